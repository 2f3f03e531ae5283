/**
 * The query bar: the REST filter language with completion of keys,
 * operators and values from the store's catalog, and the reason a query is
 * malformed shown right under it.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { searchIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import {
  applySuggestion,
  ICatalog,
  IQueryError,
  ISuggestion,
  suggest
} from '../models/query';

const LISTBOX_ID = 'jp-mlops-QuerySuggestions';

export function QueryBar({
  value,
  error,
  catalog,
  trans,
  onSubmit
}: {
  value: string;
  error: IQueryError | null;
  catalog: ICatalog;
  trans: TranslationBundle;
  onSubmit: (query: string) => void;
}): JSX.Element {
  const [text, setText] = useState(value);
  const [suggestions, setSuggestions] = useState<ISuggestion[]>([]);
  const [active, setActive] = useState(0);
  /** The user moved through the suggestions with the arrow keys. */
  const [picking, setPicking] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);

  const update = (next: string, cursor: number): void => {
    setText(next);
    setSuggestions(suggest(next, cursor, catalog));
    setActive(0);
    setPicking(false);
  };
  const accept = (suggestion: ISuggestion): void => {
    const { text: next, cursor } = applySuggestion(text, suggestion);
    update(next, cursor);
    requestAnimationFrame(() => input.current?.setSelectionRange(cursor, cursor));
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>): void => {
    const open = suggestions.length > 0;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        if (open) {
          event.preventDefault();
          const step = event.key === 'ArrowDown' ? 1 : -1;
          setActive(picking ? (active + step + suggestions.length) % suggestions.length : 0);
          setPicking(true);
        }
        return;
      case 'Tab':
        if (open) {
          event.preventDefault();
          accept(suggestions[active]);
        }
        return;
      case 'Enter':
        event.preventDefault();
        if (open && picking) {
          // Enter takes a completion picked with the arrows; otherwise it runs the query.
          accept(suggestions[active]);
        } else {
          setSuggestions([]);
          onSubmit(text);
        }
        return;
      case 'Escape':
        if (open) {
          event.preventDefault();
          event.stopPropagation();
          setSuggestions([]);
        }
        return;
    }
  };

  return (
    <div className="jp-mlops-QueryBar">
      <div className="jp-mlops-QueryInput">
        <searchIcon.react tag="span" className="jp-mlops-SearchIcon" />
        <input
          ref={input}
          type="text"
          className="jp-mod-styled"
          data-testid="mlops-query"
          role="combobox"
          aria-label={trans.__('Query runs')}
          aria-autocomplete="list"
          aria-expanded={suggestions.length > 0}
          aria-controls={LISTBOX_ID}
          aria-activedescendant={
            suggestions.length > 0 ? `${LISTBOX_ID}-${active}` : undefined
          }
          aria-invalid={error !== null}
          aria-describedby={error ? 'jp-mlops-QueryError' : undefined}
          spellCheck={false}
          placeholder={trans.__('metrics.auc > 0.9 and params.max_depth = 3 and tags.team = "risk"')}
          value={text}
          onChange={event => update(event.target.value, event.target.selectionStart ?? 0)}
          onFocus={event => setSuggestions(suggest(text, event.target.selectionStart ?? 0, catalog))}
          onBlur={() => setSuggestions([])}
          onKeyDown={onKeyDown}
        />
        {suggestions.length > 0 && (
          <ul id={LISTBOX_ID} role="listbox" className="jp-mlops-Suggestions" data-testid="mlops-suggestions">
            {suggestions.map((suggestion, index) => (
              <li
                key={`${suggestion.detail}-${suggestion.label}`}
                id={`${LISTBOX_ID}-${index}`}
                role="option"
                aria-selected={index === active}
                className={index === active && picking ? 'jp-mod-active' : undefined}
                // Keep focus in the input.
                onMouseDown={event => {
                  event.preventDefault();
                  accept(suggestion);
                }}
              >
                <span className="jp-mlops-SuggestionLabel">{suggestion.label}</span>
                <span className="jp-mlops-Muted">{suggestion.detail}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {error && (
        <p id="jp-mlops-QueryError" className="jp-mlops-QueryError" role="alert" data-testid="mlops-query-error">
          {trans.__('Query not run: %1', error.message)}
          {error.end > error.start && error.end - error.start < text.length && (
            <code className="jp-mlops-QueryErrorAt">
              {text.slice(0, error.start)}
              <mark>{text.slice(error.start, error.end)}</mark>
              {text.slice(error.end)}
            </code>
          )}
        </p>
      )}
    </div>
  );
}
