import { Highlight, themes } from "prism-react-renderer";
import { prismLanguage } from "../lib/languages";
import "../lib/prism-languages";

/** Highlighted code with file line numbers; the lines in `marks` (file lines) are marked. */
export function CodeBlock({ code, lang, startLine, marks }:
  { code: string; lang: string; startLine: number; marks: number[] }) {
  const marked = new Set(marks);
  return (
    <Highlight code={code.replace(/\n$/, "")} language={prismLanguage(lang)} theme={themes.github}>
      {({ className, style, tokens, getLineProps, getTokenProps }) => (
        <pre className={`${className} overflow-x-auto rounded-md border border-slate-200 py-2 text-[13px] leading-5`}
          style={style} data-language={prismLanguage(lang)}>
          <code>
            {tokens.map((line, i) => {
              const number = startLine + i;
              const isMarked = marked.has(number);
              const { className: lineClass, ...lineProps } = getLineProps({ line });
              return (
                <div key={number} {...lineProps} data-line={number} data-marked={isMarked || undefined}
                  className={`${lineClass} flex ${isMarked ? "bg-yellow-100 shadow-[inset_3px_0_0_#f59e0b]" : ""}`}>
                  <span aria-hidden="true" className="w-12 shrink-0 select-none pr-3 text-right text-slate-400">{number}</span>
                  {isMarked && <span className="sr-only">matched line: </span>}
                  <span className="whitespace-pre pr-4">
                    {line.map((token, j) => <span key={j} {...getTokenProps({ token })} />)}
                  </span>
                </div>
              );
            })}
          </code>
        </pre>
      )}
    </Highlight>
  );
}
