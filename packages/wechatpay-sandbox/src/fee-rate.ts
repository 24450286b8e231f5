// WeChat Pay charges the merchant a fee (手续费) per payment at the rate agreed in its contract (0.6 % for
// most merchants), rounded half up to the fen per transaction; a refund gives back the fee of the amount it
// refunds. The trade bill shows both; the refund API returns the latter as amount.refund_fee.

const PPM = 1_000_000;

export class FeeRate {
  /** Parts per million, so that fen arithmetic stays exact. */
  private readonly ppm: number;

  constructor(rate: number) {
    if (!(rate >= 0 && rate < 1)) throw new Error('feeRate must be ≥ 0 and < 1');
    this.ppm = Math.round(rate * PPM);
  }

  /** The fee of `fen`, in fen, rounded half up. */
  feeOf(fen: number): number {
    return Math.floor((fen * this.ppm + PPM / 2) / PPM);
  }

  /** `0.60%`, as the bill's 费率 column writes it. */
  label(): string {
    return `${((this.ppm * 100) / PPM).toFixed(2)}%`;
  }
}
