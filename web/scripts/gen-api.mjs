// Dump the OpenAPI schema of the FastAPI app (no server, no data touched) to openapi.json,
// then regenerate src/api/schema.d.ts from it. Usage: npm run gen:api [-- --from-file]
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const python = process.env.KOSHA_PYTHON ?? resolve(web, "../.venv/bin/python");
if (!process.argv.includes("--from-file")) {
  const dump = [
    "import json, sys",
    "from kosha.bootstrap import Container",
    "from kosha.config import Settings",
    "from kosha.entrypoints.api.app import create_app",
    "json.dump(create_app(Container(Settings())).openapi(), sys.stdout, indent=1, sort_keys=True)",
  ].join("\n");
  const schema = execFileSync(python, ["-c", dump], { encoding: "utf8" });
  writeFileSync(resolve(web, "openapi.json"), schema + "\n");
}
execFileSync("npx", ["openapi-typescript", "openapi.json", "--default-non-nullable=false", "-o", "src/api/schema.d.ts"],
  { cwd: web, stdio: "inherit" });
