"""StreamPay's shared contracts: every topic, header and message model, and exact money.

Every service imports its wire formats from here and nowhere else, so a producer and its
consumers cannot drift apart. Encode and decode messages with :mod:`.codec` only: it is what
keeps amounts exact ``Decimal`` values written as JSON numbers.
"""

from streampay_contracts import headers, topics
from streampay_contracts.base import InboundModel, WireModel
from streampay_contracts.codec import (
    MalformedMessage,
    RejectedNumber,
    decode,
    describe_validation_error,
    dumps,
    encode,
    loads,
)
from streampay_contracts.commands import (
    COMMAND_MODELS,
    CancelRequestCommand,
    Command,
    DeclineRequestCommand,
    DepositCommand,
    DomainModel,
    PayCommand,
    RequestCommand,
    UserProfile,
    command_model,
)
from streampay_contracts.fields import (
    SYSTEM_BANK,
    SYSTEM_PREFIX,
    USERNAME_PATTERN,
    CommandId,
    Count,
    DisplayName,
    EntryId,
    EpochMillis,
    Notes,
    RequestId,
    UserId,
    Username,
    is_system_user,
)
from streampay_contracts.ledger import Transaction, TransactionKind
from streampay_contracts.money import MAX_AMOUNT, Amount, Money, SignedAmount, round_to_cents
from streampay_contracts.replies import (
    PROBLEM_TITLES,
    DepositReply,
    PayReply,
    Problem,
    RequestReply,
)
from streampay_contracts.settings import KafkaSettings
from streampay_contracts.topics import TopicSpec, topic_specs
from streampay_contracts.views import (
    TOTALS_KEY,
    Activity,
    ActivityEvent,
    AverageTransactions,
    Balance,
    PaymentRequest,
    RequestStatus,
    TotalTransactions,
    User,
)

__all__ = [
    "COMMAND_MODELS",
    "MAX_AMOUNT",
    "PROBLEM_TITLES",
    "SYSTEM_BANK",
    "SYSTEM_PREFIX",
    "TOTALS_KEY",
    "USERNAME_PATTERN",
    "Activity",
    "ActivityEvent",
    "Amount",
    "AverageTransactions",
    "Balance",
    "CancelRequestCommand",
    "Command",
    "CommandId",
    "Count",
    "DeclineRequestCommand",
    "DepositCommand",
    "DepositReply",
    "DisplayName",
    "DomainModel",
    "EntryId",
    "EpochMillis",
    "InboundModel",
    "KafkaSettings",
    "MalformedMessage",
    "Money",
    "Notes",
    "PayCommand",
    "PayReply",
    "PaymentRequest",
    "Problem",
    "RejectedNumber",
    "RequestCommand",
    "RequestId",
    "RequestReply",
    "RequestStatus",
    "SignedAmount",
    "TopicSpec",
    "TotalTransactions",
    "Transaction",
    "TransactionKind",
    "User",
    "UserId",
    "UserProfile",
    "Username",
    "WireModel",
    "command_model",
    "decode",
    "describe_validation_error",
    "dumps",
    "encode",
    "headers",
    "is_system_user",
    "loads",
    "round_to_cents",
    "topic_specs",
    "topics",
]
