
-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('PENDING', 'PAID', 'FAILED', 'CLOSED');

-- CreateEnum
CREATE TYPE "LedgerEntryKind" AS ENUM ('RECHARGE');

-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "balance_fen" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_orders" (
    "id" UUID NOT NULL,
    "out_trade_no" VARCHAR(32) NOT NULL,
    "account_id" UUID NOT NULL,
    "amount_fen" INTEGER NOT NULL,
    "description" VARCHAR(127) NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'PENDING',
    "idempotency_key" VARCHAR(64),
    "code_url" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "transaction_id" VARCHAR(32),
    "paid_at" TIMESTAMPTZ(3),
    "failure_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payment_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "kind" "LedgerEntryKind" NOT NULL DEFAULT 'RECHARGE',
    "amount_fen" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_notifications" (
    "id" UUID NOT NULL,
    "notification_id" VARCHAR(64) NOT NULL,
    "event_type" VARCHAR(64) NOT NULL,
    "out_trade_no" VARCHAR(32),
    "transaction_id" VARCHAR(32),
    "outcome" VARCHAR(32) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "payment_orders_out_trade_no_key" ON "payment_orders"("out_trade_no");

-- CreateIndex
CREATE UNIQUE INDEX "payment_orders_transaction_id_key" ON "payment_orders"("transaction_id");

-- CreateIndex
CREATE INDEX "payment_orders_status_created_at_idx" ON "payment_orders"("status", "created_at");

-- CreateIndex
CREATE INDEX "payment_orders_account_id_status_idx" ON "payment_orders"("account_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "payment_orders_account_id_idempotency_key_key" ON "payment_orders"("account_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entries_order_id_key" ON "ledger_entries"("order_id");

-- CreateIndex
CREATE INDEX "ledger_entries_account_id_created_at_idx" ON "ledger_entries"("account_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "payment_notifications_notification_id_key" ON "payment_notifications"("notification_id");

-- CreateIndex
CREATE INDEX "payment_notifications_out_trade_no_idx" ON "payment_notifications"("out_trade_no");

-- AddForeignKey
ALTER TABLE "payment_orders" ADD CONSTRAINT "payment_orders_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "payment_orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Money invariants Prisma's schema language can't express (added by hand).
ALTER TABLE "payment_orders" ADD CONSTRAINT "payment_orders_amount_fen_positive" CHECK ("amount_fen" > 0);
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_amount_fen_positive" CHECK ("amount_fen" > 0);
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_balance_fen_nonnegative" CHECK ("balance_fen" >= 0);
