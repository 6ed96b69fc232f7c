"""Writes for fee collection. Every change to bills, payments, balances and deposits goes through here.

One submodule per subdomain; callers import from the package (`from billing import services`),
which re-exports every public name:

- `_common`: what several subdomains share: input rules, reasons and permissions, the bill's
  settling step, idempotency keys, the late-fee charge item, the status aliases.
- `rates`: tariffs and charge enrollments.
- `meters`: meter readings (one or in bulk) and meter replacement.
- `summary`: the per-unit arrears summary, recomputed from the bills by every service that
  changes what a unit owes, swept nightly and checked against the bills (`check_arrears`).
- `payments`: receipts, payments and their allocation, the prepaid balance, voids and refunds.
- `bills`: the monthly bill run, late fees, one-off and paid-service bills, bill corrections.
- `deposits`: deposits received, refunded and deducted.
- `arrears`: fee-collection calls, their outcomes and the reminder ladder.

Import order (a submodule imports only those before it): _common < rates, meters, summary < payments <
bills, deposits < arrears.

Lock order (to avoid deadlocks between concurrent payments, voids and the prepaid sweep):
the unit row → its bills in primary-key order → the estate's receipt counter. The unit row is the
lock of the unit's account: it serialises everything that reads and changes the prepaid balance.
"""

from billing.services._common import (
    BATCH,
    BILL_ALLOWED,
    PAYMENT_ALLOWED,
    BillStatus,
    IdempotencyConflict,
    PaymentStatus,
    clean_amount,
    late_fee_item,
)
from billing.services.arrears import (
    LADDER,
    RESIDENT_STAGES,
    LadderResult,
    call_for_fee,
    fee_call_person,
    may_call_for_fee,
    record_call_outcome,
    run_reminder_ladder,
)
from billing.services.bills import (
    GenerationResult,
    bill_paid_service,
    compute_amount,
    create_one_off_bill,
    due_date_for,
    generate_bills,
    generate_due_bills,
    paid_service_item,
    rates_on,
    reissue_bill,
    void_bill,
    void_paid_service_bill,
    waive_late_fee,
    write_off_bill,
)
from billing.services.deposits import (
    DepositSettlement,
    deposit_balance,
    deposit_deduction_item,
    receive_deposit,
    refund_deposit,
)
from billing.services.meters import (
    BulkReadingResult,
    record_meter_reading,
    record_meter_readings,
    replace_meter,
)
from billing.services.payments import (
    PaymentOutcome,
    apply_prepaid_balances,
    issue_receipt,
    prepaid_balance,
    record_payment,
    refund_payment,
    refund_prepaid_balance,
    void_payment,
)
from billing.services.rates import change_enrollment, check_enrollment, enroll_unit, set_charge_rate
from billing.services.summary import (
    ArrearsCheck,
    check_unit_arrears,
    compute_unit_arrears,
    refresh_all_unit_arrears,
    refresh_unit_arrears,
)

__all__ = [
    "ArrearsCheck",
    "BATCH",
    "BILL_ALLOWED",
    "BulkReadingResult",
    "DepositSettlement",
    "GenerationResult",
    "IdempotencyConflict",
    "LADDER",
    "LadderResult",
    "PaymentStatus",
    "PAYMENT_ALLOWED",
    "PaymentOutcome",
    "RESIDENT_STAGES",
    "BillStatus",
    "apply_prepaid_balances",
    "bill_paid_service",
    "call_for_fee",
    "change_enrollment",
    "check_enrollment",
    "check_unit_arrears",
    "compute_unit_arrears",
    "clean_amount",
    "compute_amount",
    "create_one_off_bill",
    "deposit_balance",
    "deposit_deduction_item",
    "due_date_for",
    "enroll_unit",
    "fee_call_person",
    "generate_bills",
    "generate_due_bills",
    "issue_receipt",
    "late_fee_item",
    "may_call_for_fee",
    "paid_service_item",
    "prepaid_balance",
    "rates_on",
    "receive_deposit",
    "record_call_outcome",
    "record_meter_reading",
    "record_meter_readings",
    "record_payment",
    "refund_deposit",
    "refund_payment",
    "refresh_all_unit_arrears",
    "refresh_unit_arrears",
    "refund_prepaid_balance",
    "reissue_bill",
    "replace_meter",
    "run_reminder_ladder",
    "set_charge_rate",
    "void_bill",
    "void_paid_service_bill",
    "void_payment",
    "waive_late_fee",
    "write_off_bill",
]
