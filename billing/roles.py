"""What each role may do in fee collection (applied to the role groups by staff.roles)."""

from servicecenter.roles import CLERK, COMPANY, FRONTDESK, HOUSEKEEPER, MANAGER, RESIDENT, SUPERVISOR

_VIEW = [
    "billing.view_chargeitem",
    "billing.view_chargerate",
    "billing.view_chargeenrollment",
    "billing.view_unitbillingterms",
    "billing.view_meter",
    "billing.view_meterreading",
    "billing.view_bill",
    "billing.view_billevent",
    "billing.view_payment",
    "billing.view_allocation",
    "billing.view_paymentreversal",
    "billing.view_prepaidmovement",
    "billing.view_receipt",
    "billing.view_depositaccount",
    "billing.view_depositmovement",
    "billing.view_reminder",
    "billing.view_collectioncall",
    "billing.view_paymentorder",
    "billing.view_paymentorderevent",
]
_REPORTS = ["billing.view_billing_reports", "billing.view_billingpolicy"]
_CLERK_WORK = [
    "billing.add_payment",
    "billing.add_bill",
    "billing.generate_bills",
    "billing.add_meter",
    "billing.change_meter",
    "billing.add_meterreading",
    "billing.add_chargeenrollment",
    "billing.change_chargeenrollment",
    "billing.add_unitbillingterms",
    "billing.change_unitbillingterms",
    "billing.manage_deposits",
]

ROLE_PERMISSIONS = {
    RESIDENT: [],
    FRONTDESK: [*_VIEW],
    CLERK: [*_VIEW, *_REPORTS, *_CLERK_WORK],
    HOUSEKEEPER: [*_VIEW, "billing.record_call_outcome"],
    SUPERVISOR: [*_VIEW, *_REPORTS],
    MANAGER: [
        *_VIEW,
        *_REPORTS,
        *_CLERK_WORK,
        "billing.record_call_outcome",
        "billing.void_bill",
        "billing.write_off_bill",
        "billing.waive_late_fee",
        "billing.void_payment",
        "billing.refund_payment",
        "billing.manage_rates",
        "billing.add_chargeitem",
        "billing.change_chargeitem",
        "billing.add_chargerate",
        "billing.add_billingpolicy",
        "billing.change_billingpolicy",
    ],
    COMPANY: [*_VIEW, *_REPORTS],
}
