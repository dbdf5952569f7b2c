/** A small horizontal bar chart (SVG) of requests per second, for the README. */
export function barChartSvg(title: string, bars: Array<{ label: string; value: number; note: string }>): string {
  const width = 720;
  const barHeight = 34;
  const top = 48;
  const left = 250;
  const max = Math.max(...bars.map((bar) => bar.value), 1);
  const rows = bars
    .map((bar, index) => {
      const y = top + index * (barHeight + 14);
      const length = Math.max(2, Math.round(((width - left - 150) * bar.value) / max));
      return [
        `<text x="${left - 10}" y="${y + 22}" text-anchor="end" font-size="14">${escapeXml(bar.label)}</text>`,
        `<rect x="${left}" y="${y}" width="${length}" height="${barHeight}" fill="${index === 0 ? '#2f6fdf' : '#9aa5b1'}"/>`,
        `<text x="${left + length + 8}" y="${y + 22}" font-size="13">${escapeXml(bar.note)}</text>`,
      ].join('');
    })
    .join('');
  const height = top + bars.length * (barHeight + 14) + 10;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="16" y="28" font-size="16" font-weight="bold">${escapeXml(title)}</text>${rows}</svg>\n`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}
