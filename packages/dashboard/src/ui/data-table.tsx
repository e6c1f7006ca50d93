/**
 * The dashboard's one table: headings from a column list, rows from the page (a row often loads its own
 * data, so rows stay components of their page), in a card unless it already sits in one. Why one: eleven
 * tables repeated the same card, table, head and body markup, and drifted in their class names.
 */
import type { ReactNode } from 'react';

/** A column heading: a label, or a label with its class (`num` right-aligns, `hide-narrow` hides it on small screens). */
export type Column = string | { label: ReactNode; className?: string; key?: string };

/** What `DataTable` takes; `data-*` attributes go to the `<table>` (the browser tests find tables by them). */
export interface DataTableProps {
  columns: readonly Column[];
  /** The `<tr>`s. */
  children: ReactNode;
  /** More classes of the table (`compact`, or a page's own). */
  className?: string;
  /** Wrap the table in a card (default); false where the page has put it in one already. */
  card?: boolean;
  [data: `data-${string}`]: string | boolean | undefined;
}

/** A table with one heading per column. */
export function DataTable({ columns, children, className, card = true, ...data }: DataTableProps) {
  const table = (
    <table className={className ? `table ${className}` : 'table'} {...data}>
      <thead>
        <tr>
          {columns.map((column, i) =>
            typeof column === 'string' ? (
              <th key={column || i}>{column}</th>
            ) : (
              <th key={column.key ?? (typeof column.label === 'string' && column.label ? column.label : i)} className={column.className}>
                {column.label}
              </th>
            ),
          )}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
  return card ? <div className="card">{table}</div> : table;
}
