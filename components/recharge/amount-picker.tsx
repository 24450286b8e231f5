import { type Ref, useId } from 'react';
import { parseYuanToFen } from '@/lib/money';
import styles from './recharge-form.module.css';

const PRESET_YUAN = [10, 50, 100, 500] as const;

type AmountPickerProps = {
  /** What is in the custom amount input, in yuan; a preset simply fills it in. */
  value: string;
  onChange: (value: string) => void;
  onBlur: () => void;
  error: string | undefined;
  maxFen: number;
  inputRef: Ref<HTMLInputElement>;
};

/** Preset amounts plus a free amount in yuan. One source of truth: the text, so they never disagree. */
export function AmountPicker({ value, onChange, onBlur, error, maxFen, inputRef }: AmountPickerProps) {
  const inputId = useId();
  const errorId = useId();
  const selectedFen = parseYuanToFen(value);
  const presets = PRESET_YUAN.filter((yuan) => yuan * 100 <= maxFen);

  return (
    <fieldset className={styles.fieldset}>
      <legend className={styles.legend}>充值金额</legend>
      {presets.length > 0 && (
        <div className={styles.presets}>
          {presets.map((yuan) => (
            <button
              key={yuan}
              type="button"
              className={styles.preset}
              aria-pressed={selectedFen === yuan * 100}
              onClick={() => onChange(String(yuan))}
            >
              ¥{yuan}
            </button>
          ))}
        </div>
      )}
      <label htmlFor={inputId} className={styles.inputLabel}>
        自定义金额（元）
      </label>
      <div className={styles.inputWrap} data-invalid={error ? '' : undefined}>
        <span className={styles.currency} aria-hidden="true">
          ¥
        </span>
        <input
          ref={inputRef}
          id={inputId}
          name="amount"
          className={styles.input}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          placeholder="0.00"
          value={value}
          onChange={(event) => onChange(event.target.value)}
          onBlur={onBlur}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
        />
      </div>
      {error && (
        <p id={errorId} role="alert" className={styles.fieldError}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
