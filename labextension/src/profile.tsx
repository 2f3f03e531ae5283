/**
 * A dataset's column profile in the run details: missing values, range,
 * quartiles, mean and a histogram (or the top values of a text column) per
 * column. Fetched when the dataset is opened, since a run's page lists its
 * datasets without their profiles.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import { formatNumber } from './format';
import { KeyValueTable } from './layout';
import { asRequestError, getDataset } from './request';
import type { IColumnProfile, IDataset } from './schema';

const BAR_WIDTH = 10;
const HISTOGRAM_HEIGHT = 24;

export function DatasetProfile({
  datasetId,
  trans
}: {
  datasetId: string;
  trans: TranslationBundle;
}): JSX.Element {
  const [dataset, setDataset] = useState<IDataset | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    getDataset(datasetId).then(
      answer => current && setDataset(answer),
      error => current && setFailure(asRequestError(error).message)
    );
    return () => {
      current = false;
    };
  }, [datasetId]);

  if (failure) {
    return (
      <p className="jp-mlops-ErrorMessage">
        {trans.__('Could not load the profile: %1', failure)}
      </p>
    );
  }
  if (!dataset) {
    return <p className="jp-mlops-Muted">{trans.__('Loading the profile…')}</p>;
  }
  const profile = dataset.profile;
  if (!profile) {
    // Until then, at least the columns and their types.
    return (
      <>
        <p className="jp-mlops-Muted" data-testid="mlops-profile-pending">
          {trans.__('Not profiled yet: the kernel profiles datasets when it is idle.')}
        </p>
        <KeyValueTable
          className="jp-mlops-Schema"
          rows={(dataset.schema ?? []).map(column => [column.name, column.dtype])}
          empty={trans.__('No schema')}
        />
      </>
    );
  }
  const rows = dataset.shape?.[0] ?? null;
  const dtypes = new Map((dataset.schema ?? []).map(c => [c.name, c.dtype]));
  return (
    <table className="jp-mlops-Profile" data-testid="mlops-profile">
      <thead>
        <tr>
          <th scope="col">{trans.__('Column')}</th>
          <th scope="col">{trans.__('Missing')}</th>
          <th scope="col">{trans.__('Min')}</th>
          <th scope="col">{trans.__('Quartiles')}</th>
          <th scope="col">{trans.__('Max')}</th>
          <th scope="col">{trans.__('Mean ± std')}</th>
          <th scope="col">{trans.__('Distribution')}</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(profile).map(([name, column]) => (
          <tr key={name} data-column={name}>
            <th scope="row" title={dtypes.get(name)}>
              {name} <span className="jp-mlops-Muted">{dtypes.get(name) ?? ''}</span>
            </th>
            <td data-testid="mlops-profile-missing">{missing(column, rows)}</td>
            <td>{value(column.min)}</td>
            <td data-testid="mlops-profile-quartiles">{quartiles(column)}</td>
            <td>{value(column.max)}</td>
            <td>
              {typeof column.mean === 'number'
                ? `${formatNumber(column.mean)} ± ${formatNumber(column.std ?? null)}`
                : ''}
            </td>
            <td>
              {column.histogram ? (
                <Histogram name={name} histogram={column.histogram} trans={trans} />
              ) : (
                <TopValues column={column} trans={trans} />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `3 (1.5%)`; infinities counted with the missing values, as they plot as none. */
function missing(column: IColumnProfile, rows: number | null): string {
  const count = (column.nulls ?? 0) + (column.infinite ?? 0);
  if (!rows) {
    return String(count);
  }
  return `${count} (${formatNumber((100 * count) / rows)}%)`;
}

function value(v: number | string | null | undefined): string {
  if (v === undefined || v === null) {
    return '';
  }
  return typeof v === 'number' ? formatNumber(v) : v;
}

function quartiles(column: IColumnProfile): string {
  const q = column.quantiles;
  if (!q) {
    return '';
  }
  return ['0.25', '0.5', '0.75']
    .map(key => (typeof q[key] === 'number' ? formatNumber(q[key]) : '—'))
    .join(' · ');
}

/** Bars of the column's histogram, each with its range and count on hover. */
function Histogram({
  name,
  histogram,
  trans
}: {
  name: string;
  histogram: { counts: number[]; edges: number[] };
  trans: TranslationBundle;
}): JSX.Element {
  const { counts, edges } = histogram;
  const most = Math.max(1, ...counts);
  return (
    <svg
      className="jp-mlops-Histogram"
      width={counts.length * BAR_WIDTH}
      height={HISTOGRAM_HEIGHT}
      role="img"
      aria-label={trans.__('Histogram of %1', name)}
      data-testid="mlops-profile-histogram"
    >
      {counts.map((count, i) => {
        const height = Math.max(count > 0 ? 1 : 0, (HISTOGRAM_HEIGHT * count) / most);
        return (
          <rect
            key={i}
            x={i * BAR_WIDTH}
            y={HISTOGRAM_HEIGHT - height}
            width={BAR_WIDTH - 1}
            height={height}
          >
            <title>{`${formatNumber(edges[i])} – ${formatNumber(edges[i + 1])}: ${count}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function TopValues({
  column,
  trans
}: {
  column: IColumnProfile;
  trans: TranslationBundle;
}): JSX.Element | null {
  if (!column.top?.length) {
    return typeof column.distinct === 'number' ? (
      <>{trans.__('%1 distinct', column.distinct)}</>
    ) : null;
  }
  return (
    <span className="jp-mlops-TopValues">
      {column.top.slice(0, 3).map(({ value: v, count }) => (
        <span key={String(v)}>
          {String(v)} <b>{count}</b>
        </span>
      ))}
      {typeof column.distinct === 'number' && (
        <span className="jp-mlops-Muted">/ {column.distinct}</span>
      )}
    </span>
  );
}
