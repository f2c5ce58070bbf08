import { Slider } from "../components/Slider";

/** How opaque the masks drawn over an image are. */
export function OpacitySlider({ value, onChange }: { value: number; onChange: (v: number) => void }) {
  return <Slider label="Mask opacity" value={value} step={0.05} shown={`${Math.round(value * 100)}%`} onChange={onChange} />;
}
