import type { ReactNode } from "react";
import { Section } from "../components/Section";
import { FieldInput } from "./FieldInput";
import type { FieldSpec, Raw, SectionSpec } from "./schema";

/**
 * The generated settings, one collapsible section per group. Without "Show advanced settings" only
 * the basic fields show, plus any field the user changed or the server found wrong or warned about.
 */
export function ConfigSections({
  sections,
  showAdvanced,
  rawOf,
  baseTextOf,
  presetName,
  presetKeys,
  onChange,
  fieldErrors,
  fieldWarnings,
  sectionErrors,
  changed,
  hints,
  besides = {},
  belows = {},
}: {
  sections: SectionSpec[];
  showAdvanced: boolean;
  rawOf: (field: FieldSpec) => Raw;
  baseTextOf: (field: FieldSpec) => string;
  presetName: string;
  presetKeys: Set<string>;
  onChange: (key: string, raw: Raw) => void;
  fieldErrors: Record<string, string[]>;
  fieldWarnings: Record<string, string[]>;
  sectionErrors: Record<string, string[]>;
  changed: Set<string>;
  hints: Record<string, ReactNode>;
  /** per field key: what goes beside its input (a "Suggest" button) */
  besides?: Record<string, ReactNode>;
  /** per field key: what goes under it (what that button found) */
  belows?: Record<string, ReactNode>;
}) {
  return (
    <>
      {sections.map((section) => {
        const notable = (f: FieldSpec) => changed.has(f.key) || !!fieldErrors[f.key]?.length || !!fieldWarnings[f.key]?.length;
        const fields = section.fields.filter((f) => showAdvanced || !f.advanced || notable(f));
        const problems = sectionErrors[section.id] ?? [];
        if (!fields.length && !problems.length) return null;
        const open = !showAdvanced || problems.length > 0 || section.fields.some((f) => !f.advanced || notable(f));
        return (
          <Section key={section.id} title={section.title} open={open}>
            {problems.map((reason) => (
              <p key={reason} className="notice error">
                {reason}
              </p>
            ))}
            <div className="form-grid">
              {fields.map((field) => (
                <FieldInput
                  key={field.key}
                  field={field}
                  raw={rawOf(field)}
                  onChange={(raw) => onChange(field.key, raw)}
                  errors={fieldErrors[field.key] ?? []}
                  warnings={fieldWarnings[field.key] ?? []}
                  changed={changed.has(field.key)}
                  baseText={baseTextOf(field)}
                  presetName={presetKeys.has(field.key) ? presetName : undefined}
                  hint={hints[field.key]}
                  beside={besides[field.key]}
                  below={belows[field.key]}
                />
              ))}
            </div>
          </Section>
        );
      })}
    </>
  );
}
