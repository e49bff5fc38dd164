{{/* Names and labels. */}}
{{- define "kosha.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kosha.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kosha.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kosha.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kosha.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kosha.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kosha.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kosha.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kosha.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "kosha.secretName" -}}
{{- required "existingSecret is required: create a Secret with the keys of .Values.secretEnv (deploy/README.md)" .Values.existingSecret -}}
{{- end -}}

{{/* The secret settings: each one from existingSecret, never a literal value. */}}
{{- define "kosha.secretEnv" -}}
{{- $secret := include "kosha.secretName" . -}}
{{- range $name, $ref := .Values.secretEnv }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ required (printf "secretEnv.%s.key is required" $name) $ref.key }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{/* The plain settings written inline (the migrate hook runs before the ConfigMap exists). */}}
{{- define "kosha.configEnv" -}}
{{- range $name, $value := .Values.config }}
{{- if ne (toString $value) "" }}
- name: {{ $name }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Environment of api and worker: the ConfigMap, the Secret's keys, extraEnv. */}}
{{- define "kosha.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "kosha.fullname" . }}
env:
{{- include "kosha.secretEnv" . | trim | nindent 2 }}
{{- with .Values.extraEnv }}
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "kosha.volumes" -}}
- name: home
  emptyDir:
    sizeLimit: {{ .Values.home.sizeLimit }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmp.sizeLimit }}
{{- end -}}

{{- define "kosha.volumeMounts" -}}
- name: home
  mountPath: {{ .Values.config.KOSHA_HOME | default "/var/lib/kosha" }}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "kosha.podSpecCommon" -}}
serviceAccountName: {{ include "kosha.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}
