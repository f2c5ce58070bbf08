import { useEffect, useState } from "react";

type Copied = "idle" | "copied" | "failed";

/** A block of code with a button that copies it. */
export function CodeBlock({ code, language }: { code: string; language: string }) {
  const [copied, setCopied] = useState<Copied>("idle");
  useEffect(() => {
    if (copied === "idle") return;
    const timer = setTimeout(() => setCopied("idle"), 2500);
    return () => clearTimeout(timer);
  }, [copied]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(code);
      setCopied("copied");
    } catch {
      setCopied("failed");
    }
  }
  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span className="muted small">{language || "code"}</span>
        <span role="status" className={`small code-copied${copied === "failed" ? " field-error" : ""}`}>
          {copied === "copied" && "Copied"}
          {copied === "failed" && "This browser refused: select the code and copy it"}
        </span>
        <button type="button" onClick={copy} aria-label={`Copy the ${language || "code"} snippet`}>
          Copy
        </button>
      </div>
      <pre className="log">
        <code>{code}</code>
      </pre>
    </div>
  );
}
