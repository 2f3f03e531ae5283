/**
 * Save a chart as the user sees it: SVG as is (with the theme's colours
 * written in, since CSS variables mean nothing outside JupyterLab), PNG by
 * drawing that SVG on a canvas at twice the resolution.
 */

/** A standalone copy of `svg` with the current theme's colours resolved. */
export function standaloneSvg(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const style = getComputedStyle(svg);
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.style.color = style.color;
  copy.style.fontFamily = style.fontFamily;
  const background = getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim();
  copy.style.background = background || 'white';
  return new XMLSerializer().serializeToString(copy);
}

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function exportSvg(svg: SVGSVGElement, filename: string): void {
  download(new Blob([standaloneSvg(svg)], { type: 'image/svg+xml' }), `${filename}.svg`);
}

export async function exportPng(svg: SVGSVGElement, filename: string): Promise<void> {
  const scale = 2;
  const { width, height } = svg.getBoundingClientRect();
  const image = new Image();
  const source = URL.createObjectURL(
    new Blob([standaloneSvg(svg)], { type: 'image/svg+xml' })
  );
  try {
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      image.src = source;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(width * scale);
    canvas.height = Math.ceil(height * scale);
    const context = canvas.getContext('2d')!;
    context.fillStyle = getComputedStyle(document.body).getPropertyValue('--jp-layout-color0').trim() || 'white';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>(resolve => canvas.toBlob(resolve, 'image/png'));
    if (blob) {
      download(blob, `${filename}.png`);
    }
  } finally {
    URL.revokeObjectURL(source);
  }
}
