/**
 * Read-only code with JupyterLab's own syntax highlighting (the CodeMirror
 * language registry), so lineage cells look like the notebook's cells.
 */
import type { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import React, { useEffect, useRef } from 'react';

export function CodeBlock({
  code,
  languages
}: {
  code: string;
  /** Absent in frontends without CodeMirror: the code is shown plain. */
  languages: IEditorLanguageRegistry | null;
}): JSX.Element {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    node.textContent = '';
    if (!languages) {
      node.textContent = code;
      return;
    }
    const python =
      languages.findByMIME('text/x-ipython') ?? languages.findByName('python');
    void languages.highlight(code, python, node);
  }, [code, languages]);
  return (
    <pre className="jp-mlops-Code cm-s-jupyter">
      <code ref={ref} />
    </pre>
  );
}
