/**
 * The query bar's language: the REST API's filter conditions joined with
 * `and`, e.g. `metrics.auc > 0.9 and params.max_depth = 3 and tags.team = "risk"`.
 *
 * `parseQuery` turns the text into the `GET /runs` query (conditions go to
 * `filter`, the run's own fields to their parameters) or says exactly where
 * and why it is malformed; `suggest` offers what can be typed at the cursor,
 * from the store's catalog rather than from the rows loaded.
 */
import type { IRunQuery } from '../../request';
import { RUN_STATUSES } from '../../schema';

/** Everything a query can name, as `GET /catalog` returns it. */
export interface ICatalog {
  experiments: string[];
  notebooks: string[];
  users: string[];
  params: string[];
  metrics: string[];
  tags: string[];
}

export const EMPTY_CATALOG: ICatalog = {
  experiments: [],
  notebooks: [],
  users: [],
  params: [],
  metrics: [],
  tags: []
};

export const OPERATORS = ['=', '!=', '>', '>=', '<', '<='] as const;
/** Run fields a query can test for equality; they map to `GET /runs` parameters. */
export const FIELDS = ['experiment', 'notebook', 'user', 'status'] as const;
type Field = (typeof FIELDS)[number];
const PREFIXES = ['metrics.', 'params.', 'tags.'];

/** A malformed query: what is wrong and where (offsets into the text). */
export interface IQueryError {
  message: string;
  start: number;
  end: number;
}

export type ParsedQuery =
  | { ok: true; query: IRunQuery }
  | { ok: false; error: IQueryError };

interface IToken {
  kind: 'word' | 'op' | 'string';
  text: string;
  start: number;
  end: number;
  /** A string literal whose closing quote is missing. */
  open?: boolean;
}

const OPERATOR_RE = /^(>=|<=|!=|==|=|>|<)/;
/** Anything up to whitespace, an operator or a quote is one word. */
const WORD_RE = /^[^\s=!<>"']+/;

function tokenize(text: string): IToken[] | IQueryError {
  const tokens: IToken[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const op = OPERATOR_RE.exec(rest);
    if (op) {
      const symbol = op[0] === '==' ? '=' : op[0];
      tokens.push({ kind: 'op', text: symbol, start: at, end: at + op[0].length });
      at += op[0].length;
      continue;
    }
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const close = rest.indexOf(quote, 1);
      const end = close === -1 ? text.length : at + close + 1;
      tokens.push({
        kind: 'string',
        text: rest.slice(1, close === -1 ? undefined : close),
        start: at,
        end,
        open: close === -1
      });
      at = end;
      continue;
    }
    const word = WORD_RE.exec(rest);
    if (!word) {
      return { message: `unexpected “${rest[0]}”`, start: at, end: at + 1 };
    }
    tokens.push({ kind: 'word', text: word[0], start: at, end: at + word[0].length });
    at += word[0].length;
  }
  return tokens;
}

function isAnd(token: IToken | undefined): boolean {
  return token?.kind === 'word' && token.text.toLowerCase() === 'and';
}

function isField(key: string): key is Field {
  return (FIELDS as readonly string[]).includes(key);
}

function fail(message: string, token: IToken | undefined, text: string): ParsedQuery {
  const start = token?.start ?? text.length;
  return { ok: false, error: { message, start, end: token?.end ?? start } };
}

/** The `GET /runs` query for `text`, or why it cannot be one. */
export function parseQuery(text: string): ParsedQuery {
  const tokens = tokenize(text);
  if (!Array.isArray(tokens)) {
    return { ok: false, error: tokens };
  }
  const query: IRunQuery = {};
  const filters: string[] = [];
  for (let i = 0; i < tokens.length; i += 4) {
    const [key, op, value] = tokens.slice(i, i + 3);
    if (key.kind !== 'word' || isAnd(key)) {
      return fail(
        'expected a key such as metrics.auc, params.C, tags.team or experiment',
        key,
        text
      );
    }
    const name = key.text;
    const prefixed = PREFIXES.find(prefix => name.startsWith(prefix));
    if (!isField(name) && (!prefixed || name.length === prefixed.length)) {
      return fail(
        `unknown key “${name}”: use metrics.NAME, params.NAME, tags.NAME, ${FIELDS.join(', ')}`,
        key,
        text
      );
    }
    if (op?.kind !== 'op') {
      return fail(`expected an operator after ${name} (${OPERATORS.join(' ')})`, op, text);
    }
    if (value === undefined || value.kind === 'op' || (value.kind === 'word' && isAnd(value))) {
      return fail(`expected a value after ${name} ${op.text}`, value, text);
    }
    if (value.open) {
      return fail('this text has no closing quote', value, text);
    }
    const next = tokens[i + 3];
    if (next !== undefined && !isAnd(next)) {
      return fail('expected “and” between conditions', next, text);
    }
    if (next !== undefined && tokens[i + 4] === undefined) {
      return fail('expected a condition after “and”', undefined, text);
    }
    if (isField(name)) {
      if (op.text !== '=') {
        return fail(`${name} is compared with =`, op, text);
      }
      if (name === 'status' && !(RUN_STATUSES as readonly string[]).includes(value.text)) {
        return fail(`status is one of ${RUN_STATUSES.join(', ')}`, value, text);
      }
      if (query[name] !== undefined) {
        return fail(`${name} is given twice`, key, text);
      }
      query[name] = value.text;
      continue;
    }
    if (prefixed === 'metrics.' && !Number.isFinite(Number(value.text))) {
      return fail('a metric is compared with a number', value, text);
    }
    if (prefixed === 'tags.' && op.text !== '=' && op.text !== '!=') {
      return fail('tags are compared with = or !=', op, text);
    }
    filters.push(`${name}${op.text}${value.text}`);
  }
  if (filters.length > 0) {
    query.filter = filters;
  }
  return { ok: true, query };
}

/** A completion: the text that replaces `[start, end)` of the query. */
export interface ISuggestion {
  label: string;
  insert: string;
  start: number;
  end: number;
  /** What kind of thing it is, shown beside the label. */
  detail: string;
}

/** At most this many suggestions are offered at once. */
export const MAX_SUGGESTIONS = 50;

/** What can be typed at `cursor` in `text`. */
export function suggest(text: string, cursor: number, catalog: ICatalog): ISuggestion[] {
  const before = text.slice(0, cursor);
  const tokens = tokenize(before);
  if (!Array.isArray(tokens)) {
    return [];
  }
  const trailingSpace = /\s$/.test(before);
  const last = tokens[tokens.length - 1];
  // The token being typed (if the cursor touches it) and the complete ones before it.
  const typing = last && !trailingSpace && !(last.kind === 'string' && !last.open) ? last : undefined;
  const done = typing ? tokens.slice(0, -1) : tokens;
  const start = typing?.start ?? cursor;
  const partial = typing?.text ?? '';
  const position = done.length % 4;
  const among = (items: string[], detail: string, quote = false): ISuggestion[] => {
    const needle = partial.toLowerCase();
    const hits = items.filter(item => item.toLowerCase().includes(needle));
    // Items that start with what was typed come first.
    hits.sort(
      (a, b) =>
        Number(!a.toLowerCase().startsWith(needle)) - Number(!b.toLowerCase().startsWith(needle))
    );
    return hits.slice(0, MAX_SUGGESTIONS).map(item => ({
      label: item,
      insert: quote && !/^[\w.-]+$/.test(item) ? `"${item}"` : item,
      start,
      end: cursor,
      detail
    }));
  };
  switch (position) {
    case 0: {
      if (typing?.kind === 'op') {
        return [];
      }
      return among(
        [
          ...FIELDS,
          ...catalog.metrics.map(k => `metrics.${k}`),
          ...catalog.params.map(k => `params.${k}`),
          ...catalog.tags.map(k => `tags.${k}`)
        ],
        'key'
      ).map(s => ({ ...s, detail: kindOf(s.label) }));
    }
    case 1: {
      const key = done[done.length - 1].text;
      const ops = isField(key) ? ['='] : key.startsWith('tags.') ? ['=', '!='] : [...OPERATORS];
      return ops
        .filter(op => op.startsWith(typing?.kind === 'op' ? partial : ''))
        .map(op => ({ label: op, insert: `${op} `, start, end: cursor, detail: 'operator' }));
    }
    case 2: {
      const key = done[done.length - 2].text;
      const values: Record<Field, string[]> = {
        experiment: catalog.experiments,
        notebook: catalog.notebooks,
        user: catalog.users,
        status: [...RUN_STATUSES]
      };
      return isField(key) ? among(values[key], key, true) : [];
    }
    default:
      return among(['and'], 'and').map(s => ({ ...s, insert: 'and ' }));
  }
}

function kindOf(key: string): string {
  const prefix = PREFIXES.find(p => key.startsWith(p));
  return prefix ? prefix.slice(0, -1).replace(/s$/, '') : 'field';
}

/** Insert a suggestion; returns the new text and where the cursor goes. */
export function applySuggestion(
  text: string,
  suggestion: ISuggestion
): { text: string; cursor: number } {
  const head = text.slice(0, suggestion.start) + suggestion.insert;
  const tail = text.slice(suggestion.end);
  const spaced = /[\s]$/.test(head) || tail.startsWith(' ') ? head : `${head} `;
  return { text: spaced + tail.replace(/^\S*/, ''), cursor: spaced.length };
}
