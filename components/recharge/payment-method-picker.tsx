import styles from './recharge-form.module.css';
import { WechatPayIcon } from './wechat-pay-icon';

/**
 * WeChat Pay Native is the only method for now; it is still a radio group so the payer sees what
 * they are choosing and another method slots in without reshaping the form.
 */
export function PaymentMethodPicker() {
  return (
    <fieldset className={styles.fieldset}>
      <legend className={styles.legend}>支付方式</legend>
      <label className={styles.method}>
        <WechatPayIcon />
        <span className={styles.methodText}>
          <span className={styles.methodName}>微信支付</span>
          <span className={styles.methodHint}>使用微信扫码支付</span>
        </span>
        <input
          type="radio"
          name="paymentMethod"
          value="wechat_native"
          defaultChecked
          className={styles.radio}
        />
      </label>
    </fieldset>
  );
}
