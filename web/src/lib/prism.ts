// Prism grammars beyond those bundled with prism-react-renderer, for every language Kosha
// parses: prismjs components register themselves on a global `Prism`, so that global is set
// (to prism-react-renderer's instance) before they load.
import { Prism } from "prism-react-renderer";

(globalThis as { Prism?: unknown }).Prism = Prism;
