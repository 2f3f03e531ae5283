// The builder bundles .svg imports as their raw text (what LabIcon expects).
declare module '*.svg' {
  const svgstr: string;
  export default svgstr;
}
