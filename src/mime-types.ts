// Our notebook output types, rendered by the JupyterLab extension (labextension/); every output
// that carries one also carries SVG/HTML and text fallbacks for other front ends.
export const DAG_MIME_TYPE = "application/vnd.hypernodes.dag+json";
export const PROGRESS_MIME_TYPE = "application/vnd.hypernodes.progress+json";
