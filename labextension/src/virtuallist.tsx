/**
 * A windowed list: fixed-height rows, only those on screen (plus a few) are
 * in the DOM, so ten thousand rows scroll as smoothly as ten.
 */
import React, { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';

/** Rows PageUp/PageDown move by. */
const PAGE_ROWS = 10;

/**
 * Rows rendered past the visible ones in the direction of the scroll, so a
 * fast scroll stays filled; one is kept behind.
 */
const OVERSCAN = 8;
/** By default, ask for more rows when the end is this many rows away. */
const END_THRESHOLD = 40;

export interface IVirtualListProps
  extends Omit<React.HTMLAttributes<HTMLDivElement>, 'children' | 'onScroll'> {
  count: number;
  rowHeight: number;
  /**
   * Renders row `index`; it gets the absolute position style to apply (the
   * same object while the row stays put, so a memoized row skips rendering).
   * Give the row no key: the list keys rows by slot so they are reused.
   */
  renderRow: (index: number, style: React.CSSProperties) => React.ReactNode;
  /** Index kept scrolled into view (keyboard focus), or -1. */
  activeIndex: number;
  /** Called when the user nears the end of the rows. */
  onNearEnd?: () => void;
  /** How many rows before the end `onNearEnd` is called. */
  nearEndRows?: number;
}

export function VirtualList({
  count,
  rowHeight,
  renderRow,
  activeIndex,
  onNearEnd,
  nearEndRows = END_THRESHOLD,
  ...rest
}: IVirtualListProps): JSX.Element {
  const outer = useRef<HTMLDivElement>(null);
  const styles = useRef<React.CSSProperties[]>([]);
  // The first row on screen, and whether the last scroll went down.
  const [{ topRow, down }, setScrolled] = useState({ topRow: 0, down: true });
  const [height, setHeight] = useState(0);

  useLayoutEffect(() => {
    const node = outer.current;
    if (!node) {
      return;
    }
    setHeight(node.clientHeight);
    const observer = new ResizeObserver(() => setHeight(node.clientHeight));
    observer.observe(node);
    // The browser fires scroll once per frame, before it paints: rendering
    // the rows right there shows them in that frame (a scheduled render would
    // land a frame late, after the stale rows were painted), and the layout
    // is then clean when the next scroll reads scrollTop. Only a new top row
    // renders anything.
    const onScroll = (): void => {
      const row = Math.floor(node.scrollTop / rowHeight);
      flushSync(() =>
        setScrolled(last =>
          row === last.topRow ? last : { topRow: row, down: row > last.topRow }
        )
      );
    };
    node.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      observer.disconnect();
      node.removeEventListener('scroll', onScroll);
    };
  }, [rowHeight]);

  // Keep the keyboard-active row on screen.
  useEffect(() => {
    const node = outer.current;
    if (!node || activeIndex < 0) {
      return;
    }
    const top = activeIndex * rowHeight;
    if (top < node.scrollTop) {
      node.scrollTop = top;
    } else if (top + rowHeight > node.scrollTop + node.clientHeight) {
      node.scrollTop = top + rowHeight - node.clientHeight;
    }
  }, [activeIndex, rowHeight]);

  // Before the first measure, render one screenful rather than nothing. A
  // fixed number of slots is rendered wherever the list is scrolled.
  const viewport = height || 20 * rowHeight;
  const slots = Math.ceil(viewport / rowHeight) + OVERSCAN + 2;
  const behind = down ? 1 : OVERSCAN;
  const first = Math.max(0, Math.min(topRow - behind, count - slots));
  const last = Math.min(count, first + slots);

  useEffect(() => {
    if (onNearEnd && count > 0 && last >= count - nearEndRows) {
      onNearEnd();
    }
  }, [last, count, nearEndRows, onNearEnd]);

  // Rows are keyed by their slot on screen, not by what they show: a scroll
  // then updates the text of the rows in place instead of removing and
  // creating every row's elements each frame. Consecutive indices modulo the
  // slot count are distinct, so a row that stays on screen keeps its slot.
  const rows: React.ReactNode[] = [];
  for (let index = first; index < last; index++) {
    const slot = index % slots;
    const top = index * rowHeight;
    let style = styles.current[slot];
    if (style?.top !== top || style.height !== rowHeight) {
      style = { position: 'absolute', top, height: rowHeight, left: 0, right: 0 };
      styles.current[slot] = style;
    }
    rows.push(<React.Fragment key={slot}>{renderRow(index, style)}</React.Fragment>);
  }
  return (
    <div {...rest} ref={outer}>
      <div style={{ position: 'relative', height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}

/**
 * Keyboard navigation of a list of `count` rows: arrows, Home/End and
 * PageUp/PageDown move the active row; Enter opens it and Space toggles its
 * selection (the callbacks get its index).
 */
export function useListKeys(
  count: number,
  onOpen: (index: number) => void,
  onToggle: (index: number) => void
): {
  active: number;
  setActive: (index: number) => void;
  onKeyDown: (event: React.KeyboardEvent) => void;
} {
  const [active, setActive] = useState(-1);
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      Home: 0,
      End: count - 1,
      PageDown: active + PAGE_ROWS,
      PageUp: active - PAGE_ROWS
    };
    if (event.key in moves) {
      event.preventDefault();
      setActive(Math.max(0, Math.min(count - 1, moves[event.key])));
    } else if ((event.key === 'Enter' || event.key === ' ') && active >= 0 && active < count) {
      event.preventDefault();
      (event.key === 'Enter' ? onOpen : onToggle)(active);
    }
  };
  return { active, setActive, onKeyDown };
}
