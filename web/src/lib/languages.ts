// Kosha's language names -> Prism grammars bundled with prism-react-renderer.
const PRISM: Record<string, string> = {
  python: "python", go: "go", typescript: "tsx", tsx: "tsx", javascript: "jsx", jsx: "jsx",
  rust: "rust", cpp: "cpp", c: "cpp", markdown: "markdown", json: "json", yaml: "yaml",
  kotlin: "kotlin", swift: "swift", graphql: "graphql", objc: "objectivec", html: "markup",
  xml: "markup", java: "java", csharp: "csharp", ruby: "ruby", php: "php", shell: "bash",
  sql: "sql", toml: "toml", scala: "scala", lua: "lua", css: "css",
};

export const prismLanguage = (lang: string): string => PRISM[lang.toLowerCase()] ?? "plain";

/** Languages offered by the search filter (what Kosha's parsers know). */
export const SEARCH_LANGUAGES = [
  "python", "go", "typescript", "tsx", "javascript", "java", "rust", "ruby", "c", "cpp", "csharp",
  "kotlin", "php", "markdown",
];
