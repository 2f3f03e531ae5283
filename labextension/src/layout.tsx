/**
 * Building blocks of the details and comparison pages.
 */
import React from 'react';

export function Section({
  title,
  testId,
  children
}: {
  title: string;
  testId?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <section className="jp-mlops-Section" data-testid={testId}>
      <h3 className="jp-mlops-SectionTitle">{title}</h3>
      {children}
    </section>
  );
}

/** Two columns, key and value; `empty` is shown when there are no rows. */
export function KeyValueTable({
  rows,
  empty,
  className = ''
}: {
  rows: [string, React.ReactNode][];
  empty?: string;
  className?: string;
}): JSX.Element | null {
  if (rows.length === 0) {
    return empty ? <p className="jp-mlops-Muted">{empty}</p> : null;
  }
  return (
    <table className={`jp-mlops-KeyValue ${className}`}>
      <tbody>
        {rows.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
