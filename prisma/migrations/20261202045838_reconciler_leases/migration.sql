-- CreateEnum
CREATE TYPE "PaymentExceptionKind" AS ENUM ('AMOUNT_MISMATCH', 'UNKNOWN_ORDER', 'DUPLICATE_TRANSACTION', 'UNEXPECTED_ANSWER', 'UNRESOLVED_AT_EXPIRY');

-- CreateEnum
CREATE TYPE "PaymentExceptionStatus" AS ENUM ('OPEN', 'RESOLVED');

-- AlterTable
ALTER TABLE "payment_orders" ADD COLUMN     "check_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "next_check_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "payment_exceptions" (
    "id" UUID NOT NULL,
    "kind" "PaymentExceptionKind" NOT NULL,
    "order_id" UUID,
    "out_trade_no" VARCHAR(32) NOT NULL,
    "transaction_id" VARCHAR(32),
    "details" JSONB NOT NULL,
    "status" "PaymentExceptionStatus" NOT NULL DEFAULT 'OPEN',
    "occurrences" INTEGER NOT NULL DEFAULT 1,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" TEXT,
    "resolution" TEXT,

    CONSTRAINT "payment_exceptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconciler_heartbeat" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "last_sweep_at" TIMESTAMPTZ(3) NOT NULL,
    "last_checked" INTEGER NOT NULL,
    "last_failed" INTEGER NOT NULL,

    CONSTRAINT "reconciler_heartbeat_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_exceptions_status_first_seen_at_idx" ON "payment_exceptions"("status", "first_seen_at");

-- CreateIndex
CREATE UNIQUE INDEX "payment_exceptions_kind_out_trade_no_key" ON "payment_exceptions"("kind", "out_trade_no");

-- AddForeignKey
ALTER TABLE "payment_exceptions" ADD CONSTRAINT "payment_exceptions_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "payment_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Added by hand. The reconciler's work queue: PENDING orders by when they are due (a partial index,
-- which Prisma's schema language can't say; final orders drop out of it by themselves).
CREATE INDEX "payment_orders_due_for_check_idx" ON "payment_orders"("next_check_at") WHERE "status" = 'PENDING' AND "next_check_at" IS NOT NULL;
-- Orders open at this migration become due a minute after their creation, as new ones are.
UPDATE "payment_orders" SET "next_check_at" = "created_at" + interval '1 minute' WHERE "status" = 'PENDING';
ALTER TABLE "payment_orders" ADD CONSTRAINT "payment_orders_check_attempts_nonnegative" CHECK ("check_attempts" >= 0);
-- One heartbeat row.
ALTER TABLE "reconciler_heartbeat" ADD CONSTRAINT "reconciler_heartbeat_single_row" CHECK ("id" = 1);
-- A resolved exception says when and how; an open one doesn't.
ALTER TABLE "payment_exceptions" ADD CONSTRAINT "payment_exceptions_resolution_matches_status" CHECK (
  ("status" = 'OPEN' AND "resolved_at" IS NULL) OR ("status" = 'RESOLVED' AND "resolved_at" IS NOT NULL AND "resolution" IS NOT NULL)
);
ALTER TABLE "payment_exceptions" ADD CONSTRAINT "payment_exceptions_occurrences_positive" CHECK ("occurrences" >= 1);
