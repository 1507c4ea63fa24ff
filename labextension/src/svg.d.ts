// SVG files are imported as their text (the JupyterLab builder's webpack config does this).
declare module "*.svg" {
  const svgstr: string;
  export default svgstr;
}
