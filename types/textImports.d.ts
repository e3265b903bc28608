// The text imports of lib/console/uplotText.ts (esbuild's `type: "text"`): strings.
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.min.css" {
  const text: string;
  export default text;
}
