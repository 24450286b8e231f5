-- Settlement in one statement (lib/orders/settle-order.ts) has the database refuse a commit in which an
-- order became PAID without exactly one credited account and one ledger entry. A statement can't
-- otherwise check what its own sub-statements did, and a check after it returns comes too late: it has
-- committed. Raises check_violation (23514), which rolls the whole statement back.
CREATE FUNCTION "settlement_must_credit"("paid" BIGINT, "credited" BIGINT, "ledger" BIGINT) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
BEGIN
  IF "paid" <> "credited" OR "paid" <> "ledger" THEN
    RAISE EXCEPTION 'settlement refused: % order(s) paid, % account(s) credited, % ledger entries',
      "paid", "credited", "ledger"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN TRUE;
END
$$;
