import { Fragment, type Key, type ReactNode } from "react";

/** One column of a ``DataTable``: its header and how a row fills its cell. */
export interface Column<T> {
  /** unique among the columns (the React key) */
  key: string;
  header: ReactNode;
  cell: (row: T, index: number) => ReactNode;
  /** "num": right-aligned figures (header and cells) */
  align?: "num";
  /** more classes on the column's cells (``small``, ``mono``, ``actions``…) */
  className?: string;
  /** the cells name their rows (``<th scope="row">``, a rowheader to assistive technology) */
  rowHeader?: boolean;
}

export interface DataTableProps<T> {
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => Key;
  /** classes beside ``data``: the table's name for styles and tests (``tests-table``…) */
  className?: string;
  caption?: ReactNode;
  captionClassName?: string;
  /** the table's accessible name when no caption gives one */
  label?: string;
  rowClassName?: (row: T) => string | undefined;
  /** a row spanning every column under a row (its details), or nothing */
  details?: (row: T) => ReactNode;
  /** shown in one row across the table when there are no rows (else the body is empty) */
  empty?: ReactNode;
  /** in a horizontally scrolling box, for tables wider than a narrow screen */
  scroll?: boolean;
}

const classes = (...names: (string | false | undefined)[]) => names.filter(Boolean).join(" ") || undefined;

/** A table of records: a header row of column headers, a row per record, and an optional caption,
 * details rows and empty state. Tables of another shape (the confusion matrix) stay hand-written. */
export function DataTable<T>({
  columns,
  rows,
  rowKey,
  className,
  caption,
  captionClassName,
  label,
  rowClassName,
  details,
  empty,
  scroll,
}: DataTableProps<T>) {
  const table = (
    <table className={classes("data", className)} aria-label={label}>
      {caption != null && <caption className={captionClassName}>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.key} scope="col" className={column.align}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && empty != null && (
          <tr>
            <td colSpan={columns.length} className="muted">
              {empty}
            </td>
          </tr>
        )}
        {rows.map((row, index) => {
          const more = details?.(row);
          return (
            <Fragment key={rowKey(row, index)}>
              <tr className={rowClassName?.(row)}>
                {columns.map((column) => {
                  const Cell = column.rowHeader ? "th" : "td";
                  return (
                    <Cell
                      key={column.key}
                      scope={column.rowHeader ? "row" : undefined}
                      className={classes(column.align, column.className)}
                    >
                      {column.cell(row, index)}
                    </Cell>
                  );
                })}
              </tr>
              {more != null && more !== false && (
                <tr className="details-row">
                  <td colSpan={columns.length}>{more}</td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
  return scroll ? <div className="table-scroll">{table}</div> : table;
}
