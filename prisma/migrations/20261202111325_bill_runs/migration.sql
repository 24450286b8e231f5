-- CreateEnum
CREATE TYPE "BillRunStatus" AS ENUM ('RUNNING', 'DONE', 'FAILED');

-- CreateEnum
CREATE TYPE "BillDifferenceKind" AS ENUM ('PAID_NOT_CREDITED', 'UNKNOWN_ORDER', 'CREDITED_NOT_IN_BILL', 'AMOUNT_MISMATCH', 'TRANSACTION_MISMATCH', 'REFUND_NOT_RECORDED', 'REFUND_NOT_IN_BILL', 'REFUND_AMOUNT_MISMATCH', 'REFUND_STATUS_MISMATCH', 'LEDGER_MISMATCH');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "PaymentExceptionKind" ADD VALUE 'BILL_NOT_CREDITED';
ALTER TYPE "PaymentExceptionKind" ADD VALUE 'BILL_MISSING_AT_WECHAT';
ALTER TYPE "PaymentExceptionKind" ADD VALUE 'BILL_AMOUNT_MISMATCH';
ALTER TYPE "PaymentExceptionKind" ADD VALUE 'BILL_LEDGER_MISMATCH';

-- CreateTable
CREATE TABLE "bill_runs" (
    "id" UUID NOT NULL,
    "bill_date" DATE NOT NULL,
    "status" "BillRunStatus" NOT NULL DEFAULT 'RUNNING',
    "trigger" VARCHAR(16) NOT NULL,
    "wechat_paid_count" INTEGER NOT NULL DEFAULT 0,
    "wechat_paid_fen" BIGINT NOT NULL DEFAULT 0,
    "wechat_refund_count" INTEGER NOT NULL DEFAULT 0,
    "wechat_refund_fen" BIGINT NOT NULL DEFAULT 0,
    "our_paid_count" INTEGER NOT NULL DEFAULT 0,
    "our_paid_fen" BIGINT NOT NULL DEFAULT 0,
    "our_refund_count" INTEGER NOT NULL DEFAULT 0,
    "our_refund_fen" BIGINT NOT NULL DEFAULT 0,
    "ledger_paid_fen" BIGINT NOT NULL DEFAULT 0,
    "ledger_refund_fen" BIGINT NOT NULL DEFAULT 0,
    "new_differences" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "bill_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bill_differences" (
    "id" UUID NOT NULL,
    "bill_date" DATE NOT NULL,
    "kind" "BillDifferenceKind" NOT NULL,
    "reference" VARCHAR(64) NOT NULL,
    "out_trade_no" VARCHAR(32) NOT NULL,
    "details" JSONB NOT NULL,
    "action" VARCHAR(32),
    "exception_id" UUID,
    "found_by_run_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bill_differences_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "bill_runs_bill_date_started_at_idx" ON "bill_runs"("bill_date", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "bill_differences_bill_date_kind_reference_key" ON "bill_differences"("bill_date", "kind", "reference");

-- AddForeignKey
ALTER TABLE "bill_differences" ADD CONSTRAINT "bill_differences_found_by_run_id_fkey" FOREIGN KEY ("found_by_run_id") REFERENCES "bill_runs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bill_differences" ADD CONSTRAINT "bill_differences_exception_id_fkey" FOREIGN KEY ("exception_id") REFERENCES "payment_exceptions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Added by hand.
ALTER TABLE "bill_runs" ADD CONSTRAINT "bill_runs_totals_nonnegative" CHECK (
  "wechat_paid_count" >= 0 AND "wechat_paid_fen" >= 0 AND "wechat_refund_count" >= 0 AND "wechat_refund_fen" >= 0
  AND "our_paid_count" >= 0 AND "our_paid_fen" >= 0 AND "our_refund_count" >= 0 AND "our_refund_fen" >= 0
  AND "new_differences" >= 0
);
ALTER TABLE "bill_runs" ADD CONSTRAINT "bill_runs_finished_when_ended" CHECK (
  ("status"::text = 'RUNNING') = ("finished_at" IS NULL)
);
-- One run of a day at a time (lib/bills/run-bill-reconciliation.ts).
CREATE UNIQUE INDEX "bill_runs_one_running_per_day" ON "bill_runs" ("bill_date") WHERE "status" = 'RUNNING';
