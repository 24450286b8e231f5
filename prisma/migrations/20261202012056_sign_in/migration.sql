-- Sign-in with WeChat (Better Auth's users, sessions, identities and OAuth state), a wallet per user,
-- and the one-time merge of anonymous-cookie accounts into wallets.

-- AlterEnum

ALTER TYPE "LedgerEntryKind" ADD VALUE 'MERGE_OUT';
ALTER TYPE "LedgerEntryKind" ADD VALUE 'MERGE_IN';

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "merged_into_id" UUID,
ADD COLUMN     "user_id" UUID;

-- AlterTable
ALTER TABLE "ledger_entries" ADD COLUMN     "merge_id" UUID,
ALTER COLUMN "order_id" DROP NOT NULL,
ALTER COLUMN "amount_fen" SET DATA TYPE BIGINT;

-- CreateTable
CREATE TABLE "account_merges" (
    "id" UUID NOT NULL,
    "source_account_id" UUID NOT NULL,
    "target_account_id" UUID NOT NULL,
    "amount_fen" BIGINT NOT NULL,
    "merged_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_merges_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "email_verified" BOOLEAN NOT NULL DEFAULT false,
    "image" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_sessions" (
    "id" UUID NOT NULL,
    "token" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ip_address" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auth_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_accounts" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "provider_id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "access_token" TEXT,
    "refresh_token" TEXT,
    "id_token" TEXT,
    "access_token_expires_at" TIMESTAMPTZ(3),
    "refresh_token_expires_at" TIMESTAMPTZ(3),
    "scope" TEXT,
    "password" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auth_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_verifications" (
    "id" UUID NOT NULL,
    "identifier" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auth_verifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "account_merges_source_account_id_key" ON "account_merges"("source_account_id");

-- CreateIndex
CREATE INDEX "account_merges_target_account_id_idx" ON "account_merges"("target_account_id");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "auth_sessions_token_key" ON "auth_sessions"("token");

-- CreateIndex
CREATE INDEX "auth_sessions_user_id_idx" ON "auth_sessions"("user_id");

-- CreateIndex
CREATE INDEX "auth_accounts_user_id_idx" ON "auth_accounts"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "auth_accounts_provider_id_account_id_key" ON "auth_accounts"("provider_id", "account_id");

-- CreateIndex
CREATE INDEX "auth_verifications_identifier_idx" ON "auth_verifications"("identifier");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_user_id_key" ON "accounts"("user_id");

-- CreateIndex
CREATE INDEX "payment_orders_account_id_created_at_id_idx" ON "payment_orders"("account_id", "created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entries_merge_id_kind_key" ON "ledger_entries"("merge_id", "kind");

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_merged_into_id_fkey" FOREIGN KEY ("merged_into_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_merges" ADD CONSTRAINT "account_merges_source_account_id_fkey" FOREIGN KEY ("source_account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_merges" ADD CONSTRAINT "account_merges_target_account_id_fkey" FOREIGN KEY ("target_account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_merge_id_fkey" FOREIGN KEY ("merge_id") REFERENCES "account_merges"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_accounts" ADD CONSTRAINT "auth_accounts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Money invariants Prisma's schema language can't express (added by hand). Enum values added above
-- can't be used as enum literals in this same transaction: the checks compare kind as text.
-- Each ledger entry points at what caused it: an order (a positive RECHARGE, unique per order) or a
-- merge (MERGE_OUT ≤ 0 on the visitor account, MERGE_IN ≥ 0 on the wallet, one of each per merge).
ALTER TABLE "ledger_entries" DROP CONSTRAINT "ledger_entries_amount_fen_positive";
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_kind_matches_reference" CHECK (
  ("kind"::text = 'RECHARGE' AND "order_id" IS NOT NULL AND "merge_id" IS NULL AND "amount_fen" > 0)
  OR ("kind"::text = 'MERGE_OUT' AND "merge_id" IS NOT NULL AND "order_id" IS NULL AND "amount_fen" <= 0)
  OR ("kind"::text = 'MERGE_IN' AND "merge_id" IS NOT NULL AND "order_id" IS NULL AND "amount_fen" >= 0)
);
-- A user's wallet has the user's id: a session names its wallet without a database read.
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_wallet_id_is_user_id" CHECK ("user_id" IS NULL OR "user_id" = "id");
-- A merged account is an emptied visitor account: nothing can be credited to it any more.
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_merged_account_is_empty" CHECK (
  "merged_into_id" IS NULL OR ("balance_fen" = 0 AND "user_id" IS NULL AND "merged_into_id" <> "id")
);
ALTER TABLE "account_merges" ADD CONSTRAINT "account_merges_amount_nonnegative" CHECK ("amount_fen" >= 0);
ALTER TABLE "account_merges" ADD CONSTRAINT "account_merges_distinct_accounts" CHECK ("source_account_id" <> "target_account_id");
