/**
 * Which params, metrics and tags the table shows: every key of the store,
 * searchable, in a windowed list so hundreds of keys stay quick.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { VirtualList } from '../../virtuallist';
import type { ICatalog } from '../models/query';

const ROW_HEIGHT = 26;

export function ColumnChooser({
  catalog,
  columns,
  trans,
  onChange
}: {
  catalog: ICatalog;
  columns: string[];
  trans: TranslationBundle;
  onChange: (columns: string[]) => void;
}): JSX.Element {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) {
      return;
    }
    const close = (event: MouseEvent): void => {
      if (panel.current && !panel.current.parentElement?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const keys = [
    ...catalog.metrics.map(k => `metrics.${k}`),
    ...catalog.params.map(k => `params.${k}`),
    ...catalog.tags.map(k => `tags.${k}`)
  ];
  const needle = search.trim().toLowerCase();
  const shown = needle ? keys.filter(key => key.toLowerCase().includes(needle)) : keys;
  const chosen = new Set(columns);
  const toggle = (key: string): void =>
    onChange(chosen.has(key) ? columns.filter(c => c !== key) : [...columns, key]);

  return (
    <div className="jp-mlops-ColumnChooser">
      <Button
        className="jp-mod-styled"
        data-testid="mlops-columns"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen(!open)}
      >
        {trans.__('Columns (%1)', columns.length)}
      </Button>
      {open && (
        <div
          ref={panel}
          className="jp-mlops-ColumnPanel"
          role="dialog"
          aria-label={trans.__('Choose columns')}
          data-testid="mlops-column-panel"
          onKeyDown={event => event.key === 'Escape' && setOpen(false)}
        >
          <input
            type="search"
            className="jp-mod-styled"
            data-testid="mlops-column-search"
            aria-label={trans.__('Search params, metrics and tags')}
            placeholder={trans.__('Search %1 keys', keys.length)}
            value={search}
            autoFocus
            onChange={event => setSearch(event.target.value)}
          />
          <p className="jp-mlops-Muted" data-testid="mlops-column-count">
            {trans.__('%1 of %2 keys', shown.length, keys.length)}
            {columns.length > 0 && (
              <Button minimal small onClick={() => onChange([])}>
                {trans.__('Clear')}
              </Button>
            )}
          </p>
          <VirtualList
            className="jp-mlops-ColumnList"
            role="group"
            count={shown.length}
            rowHeight={ROW_HEIGHT}
            activeIndex={-1}
            renderRow={(index, style) => (
              <label key={shown[index]} style={style} className="jp-mlops-ColumnOption">
                <input
                  type="checkbox"
                  checked={chosen.has(shown[index])}
                  onChange={() => toggle(shown[index])}
                />
                <span title={shown[index]}>{shown[index]}</span>
              </label>
            )}
          />
        </div>
      )}
    </div>
  );
}
