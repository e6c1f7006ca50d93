/**
 * Cuts one CSV record into cells, after csv-record-scanner.ts has found where the record ends (so its quotes
 * are well formed).
 */

/**
 * The cells of one record (already scanned, so its quotes are well formed), trimmed. A quote opens a
 * field only at its start (after spaces); `""` inside quotes is one quote.
 */
export function splitCsvFields(text: string, delimiter: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && (text[j] === ' ' || text[j] === '\t') && text[j] !== delimiter) j++;
    if (text[j] === '"') {
      let value = '';
      let k = j + 1;
      for (;;) {
        const q = text.indexOf('"', k);
        if (q === -1) {
          value += text.slice(k);
          k = n;
          break;
        }
        value += text.slice(k, q);
        if (text[q + 1] === '"') {
          value += '"';
          k = q + 2;
        } else {
          k = q + 1;
          break;
        }
      }
      out.push(value.trim());
      const d = text.indexOf(delimiter, k);
      if (d === -1) return out;
      i = d + 1;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d === -1) {
        out.push(text.slice(i).trim());
        return out;
      }
      out.push(text.slice(i, d).trim());
      i = d + 1;
    }
  }
}
