import type { TargetedSubmitEvent } from "preact";
import { useState } from "preact/hooks";
import { type MessageKey, t } from "../i18n";
import { type Action, useAction } from "./useAction";

/** Field → what is wrong with it (a message key); empty when the values may be saved. */
export type FormErrors<K extends string> = Partial<Record<K, MessageKey>>;

interface SettingsFormOptions<V, K extends string, R> {
  initial: () => V;
  validate: (values: V) => FormErrors<K>;
  save: (values: V) => Promise<R>;
  onSaved: (result: R) => void;
}

export interface SettingsForm<V, K extends string, R> {
  values: V;
  /** Sets one field; "Saved." goes until the next save. */
  set: <F extends keyof V>(field: F, value: V[F]) => void;
  replace: (values: V) => void;
  /** The translated problem with a field, or null. */
  error: (field: K) => string | null;
  saved: boolean;
  action: Action<[V], R>;
  onSubmit: (event: TargetedSubmitEvent<HTMLFormElement>) => Promise<void>;
}

/** A settings form's state: its values, checks before saving, the save and "Saved." after it. */
export function useSettingsForm<V, K extends string, R>({ initial, validate, save, onSaved }: SettingsFormOptions<V, K, R>): SettingsForm<V, K, R> {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FormErrors<K>>({});
  const [saved, setSaved] = useState(false);
  const action = useAction(save);
  const replace = (next: V) => {
    setSaved(false);
    setValues(next);
  };
  return {
    values,
    set: (field, value) => {
      setSaved(false);
      setValues((v) => ({ ...v, [field]: value }));
    },
    replace,
    error: (field) => {
      const key = errors[field];
      return key ? t(key) : null;
    },
    saved,
    action,
    onSubmit: async (event) => {
      event.preventDefault();
      const found = validate(values);
      setErrors(found);
      if (Object.keys(found).length > 0) return;
      const result = await action.run(values);
      if (result !== undefined) {
        setSaved(true);
        onSaved(result);
      }
    },
  };
}
