// Graphviz sizes each box from its own estimate of the text's width; the browser's font can be wider
// (and arrows or × have no estimate at all), so a label would touch or cross its border. Shrink such
// labels to fit the shape they sit in.

/** Room kept between a label and its shape's border, in SVG units (points). */
const PADDING = 6;

export function fitTexts(svg: SVGSVGElement): void {
  for (const group of svg.querySelectorAll<SVGGElement>("g.node, g.cluster")) {
    const shape = group.querySelector<SVGGraphicsElement>(":scope > path, :scope > polygon, :scope > ellipse");
    if (!shape) continue;
    const room = shape.getBBox().width - 2 * PADDING;
    const texts = [...group.querySelectorAll<SVGTextElement>("text"), ...liftedTitle(svg, group)];
    for (const text of texts) {
      const width = text.getComputedTextLength();
      if (width <= room || room <= 0) continue;
      const size = parseFloat(text.getAttribute("font-size") ?? "12");
      text.setAttribute("font-size", (size * (room / width)).toFixed(2));
    }
  }
}

/** A cluster's title, drawn over the edges in a group of its own (liftClusterTitles). */
function liftedTitle(svg: SVGSVGElement, cluster: SVGGElement): SVGTextElement[] {
  if (!cluster.classList.contains("cluster")) return [];
  const name = cluster.querySelector(":scope > title")?.textContent;
  const title = [...svg.querySelectorAll("g.cluster-title")].find((g) => g.querySelector(":scope > title")?.textContent === name);
  return title ? [...title.querySelectorAll<SVGTextElement>("text")] : [];
}
