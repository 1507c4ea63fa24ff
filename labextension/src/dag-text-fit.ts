// Graphviz sizes each box from its own estimate of the text's width; the browser's font can be wider
// (and arrows or × have no estimate at all), so a label would touch or cross its border. Shrink such
// labels to fit the shape they sit in.

/** Room kept between a label and its shape's border, in SVG units (points). */
const PADDING = 6;

export function fitTexts(svg: SVGSVGElement): void {
  // All reads first, then all writes: a write between two reads would lay the page out again.
  const titles = liftedTitles(svg);
  const fits: [SVGTextElement, number][] = [];
  for (const group of svg.querySelectorAll<SVGGElement>("g.node, g.cluster")) {
    const shape = group.querySelector<SVGGraphicsElement>(":scope > path, :scope > polygon, :scope > ellipse");
    if (!shape) continue;
    const room = shape.getBBox().width - 2 * PADDING;
    const texts = group.classList.contains("cluster") ? (titles.get(group.querySelector(":scope > title")?.textContent ?? "") ?? []) : group.querySelectorAll("text");
    for (const text of texts) {
      const width = text.getComputedTextLength();
      if (width > room && room > 0) fits.push([text, room / width]);
    }
  }
  for (const [text, scale] of fits) {
    const size = parseFloat(text.getAttribute("font-size") ?? "12");
    text.setAttribute("font-size", (size * scale).toFixed(2));
  }
}

/** Each cluster's title texts, drawn over the edges in a group of their own (liftClusterTitles), by cluster name. */
function liftedTitles(svg: SVGSVGElement): Map<string, SVGTextElement[]> {
  const titles = new Map<string, SVGTextElement[]>();
  for (const group of svg.querySelectorAll("g.cluster-title")) {
    titles.set(group.querySelector(":scope > title")?.textContent ?? "", [...group.querySelectorAll<SVGTextElement>("text")]);
  }
  return titles;
}
