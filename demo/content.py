"""What the demo store is made of: people, products, and what customers write about.

Pure data for ``demo.seed``; no database access here. Texts use ``str.format`` fields:
{first} {order} {product} {sku} {carrier} {tracking} {amount} {days} {store}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIRST_NAMES = [
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Mia",
    "Leon",
    "Sofia",
    "Elias",
    "Hannah",
    "Jonas",
    "Chloe",
    "Mateo",
    "Isla",
    "Finn",
    "Zoe",
    "Hugo",
    "Nora",
    "Felix",
    "Lena",
    "Oscar",
    "Clara",
    "Milan",
    "Priya",
    "Arjun",
    "Mei",
    "Kenji",
    "Fatima",
    "Omar",
    "Amara",
    "Kwame",
    "Ingrid",
    "Lars",
    "Chiara",
    "Marco",
    "Camille",
    "Julien",
    "Lucia",
    "Diego",
]
LAST_NAMES = [
    "Schmidt",
    "Johnson",
    "Müller",
    "Williams",
    "Garcia",
    "Rossi",
    "Dubois",
    "Nowak",
    "Jensen",
    "Silva",
    "Kowalski",
    "Bakker",
    "Novak",
    "Brown",
    "Fischer",
    "Martin",
    "Lopez",
    "Weber",
    "Andersen",
    "Costa",
    "Patel",
    "Tanaka",
    "Chen",
    "Haddad",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Ferrari",
    "Santos",
    "Becker",
]
CUSTOMER_TAGS = ["newsletter", "b2b", "wholesale", "first-order", "repeat-buyer", "loyalty-club", "eu", "uk"]

# (sku, name, price)
PRODUCTS = [
    ("MUG-STN-01", "Stoneware mug, set of 4", "39.90"),
    ("KTL-GLS-02", "Glass electric kettle", "64.00"),
    ("PAN-CST-28", "Cast-iron skillet 28 cm", "54.50"),
    ("KNF-CHF-20", "Chef's knife 20 cm", "89.00"),
    ("BLN-PRO-15", "Pro blender 1500 W", "189.00"),
    ("CFM-ESP-03", "Espresso machine Barista 3", "449.00"),
    ("LMP-DSK-07", "LED desk lamp", "49.90"),
    ("CHR-USB-65", "65 W USB-C charger", "34.90"),
    ("HDP-NC-900", "Noise-cancelling headphones", "229.00"),
    ("BAG-WKD-40", "Weekender bag 40 L", "119.00"),
    ("JKT-RAI-M", "Rain jacket, size M", "99.00"),
    ("SHO-TRL-42", "Trail running shoes, EU 42", "139.00"),
    ("TWL-CTN-06", "Organic cotton towels, set of 6", "59.00"),
    ("BED-LIN-DB", "Linen bedding set, double", "169.00"),
    ("PLN-MON-01", "Monstera plant with pot", "44.00"),
    ("SPK-BT-20", "Bluetooth speaker", "79.00"),
    ("WTC-SMT-02", "Smartwatch S2", "259.00"),
    ("VAC-ROB-11", "Robot vacuum R11", "329.00"),
]
CARRIERS = {
    "DHL": "https://www.dhl.com/track?id={tracking}",
    "UPS": "https://www.ups.com/track?tracknum={tracking}",
    "DPD": "https://tracking.dpd.de/status/{tracking}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={tracking}",
    "Royal Mail": "https://www.royalmail.com/track-your-item#/{tracking}",
}

ROOT_CAUSES = {
    "Order status enquiry": "The order was on time; the customer wanted an update.",
    "Carrier delay": "The carrier delivered later than promised.",
    "Lost by carrier": "The parcel was lost in the carrier's network.",
    "Damaged in transit": "The item arrived broken or the parcel was crushed.",
    "Product defect": "The product failed in normal use.",
    "Product safety issue": "The product overheated, burned or could injure someone.",
    "Wrong item shipped": "The warehouse picked the wrong item or size.",
    "Refund processing delay": "A refund was promised or due but not paid out in time.",
    "Payment double charge": "The payment provider captured the amount twice.",
    "Customer changed mind": "A return within the return window, no fault.",
    "Customer cancelled": "The customer cancelled before shipping.",
    "Address or order change": "Shipping address, size or contents changed before shipping.",
    "Product information request": "A question about a product before or after buying.",
    "Policy question": "A question about returns, shipping or warranty terms.",
    "Account access": "Login, password or account data problems.",
    "Checkout bug": "A defect in the shop's website or checkout.",
}


@dataclass(frozen=True)
class Scenario:
    """One kind of customer contact, with the words customers use and how it usually ends."""

    key: str
    weight: float
    subjects: tuple[str, ...]
    bodies: tuple[str, ...]
    root_cause: str
    resolution_method: str
    replies: tuple[str, ...]
    # Words of the customer's second message when the conversation goes on.
    follow_ups: tuple[str, ...] = ()
    # The order's fulfilment status this story implies ("" = any).
    fulfillment: str = ""
    # The refund or compensation the agent's reply commits to (a fraction of the order total).
    refund_share: float = 0.0
    vip_only: bool = False
    channels: tuple[str, ...] = ()  # restricts the channel when set
    locale: str = "en"
    extra: dict = field(default_factory=dict)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "order_status",
        40,
        ("Where is my order #{order}?", "Order #{order} status", "Any update on my order?"),
        (
            "Hi, I ordered the {product} last week (order #{order}) and haven't received a shipping "
            "confirmation yet. Could you tell me when it will ship?",
            "Hello! Can you check where order #{order} is? The tracking number {tracking} shows nothing.",
            "hey where is my package?? order {order}",
            "Hi there, just checking on order #{order}. Has it been sent out yet?",
            "Could you give me an update on my order {order}? I'd like to know when to expect it.",
            "Hello, what's the status of order #{order}, please? I ordered the {product} a few days ago.",
        ),
        "Order status enquiry",
        "information",
        (
            "Hi {first}, your order #{order} left our warehouse and is with {carrier} ({tracking}). "
            "It should arrive within 2 working days.",
        ),
        ("Thanks! Any chance it arrives before the weekend?",),
        fulfillment="in_transit",
    ),
    Scenario(
        "late_delivery",
        10,
        ("Order #{order} is late", "Delivery overdue", "Still waiting for my parcel"),
        (
            "My order #{order} was supposed to arrive {days} days ago. {carrier} tracking {tracking} "
            "says 'delayed' and nobody can tell me why. I needed the {product} for a birthday.",
            "This is taking way too long. Order {order}, promised delivery was last Tuesday. What is going on?",
        ),
        "Carrier delay",
        "information",
        (
            "Hi {first}, I'm sorry for the wait. {carrier} confirmed a delay at their hub; your parcel "
            "is moving again and should arrive within 2 days. I've refunded the shipping cost.",
        ),
        ("It still hasn't arrived. Please do something.", "OK, thanks for checking."),
        fulfillment="delayed",
    ),
    Scenario(
        "lost_parcel",
        6,
        ("Parcel lost", "Tracking hasn't moved for {days} days", "My package disappeared"),
        (
            "The tracking for order #{order} ({tracking}) hasn't changed in {days} days. {carrier} says "
            "they can't find it. I paid €{amount} and have nothing. Please send a replacement or refund me.",
            "Carrier marked my parcel as delivered but it never came. Order {order}. Neighbours don't have it.",
        ),
        "Lost by carrier",
        "replacement",
        (
            "Hi {first}, {carrier} confirmed the parcel is lost. I've sent a replacement {product} by express; "
            "you'll get the new tracking number by email today.",
        ),
        ("Thank you, the replacement arrived.",),
        fulfillment="lost",
    ),
    Scenario(
        "damaged",
        6,
        ("Item arrived damaged", "Broken on arrival", "Order #{order} damaged"),
        (
            "The {product} from order #{order} arrived with a cracked side; the box was crushed. "
            "Photos attached. I'd like a replacement.",
            "Opened the parcel today and the {product} is broken in pieces. Very disappointed.",
        ),
        "Damaged in transit",
        "replacement",
        (
            "Hi {first}, sorry it arrived like that. A replacement {product} ships today; no need to "
            "return the damaged one.",
        ),
        fulfillment="delivered",
    ),
    Scenario(
        "return_request",
        8,
        ("Return request", "I'd like to return an item", "How do I return the {product}?"),
        (
            "Hi, I'd like to return the {product} (order #{order}). It doesn't fit my kitchen. "
            "How do I get a return label?",
            "The {product} isn't what I expected. Can I send it back for a refund?",
            "Hello, the {product} from order #{order} is too small. I'd like to send it back, what do I need to do?",
            "Can I return the {product}? It's unused and still in the box. Order {order}.",
            "I want to return order #{order}, I changed my mind. Please send me a return label.",
        ),
        "Customer changed mind",
        "return",
        (
            "Hi {first}, I've started the return for order #{order}; the prepaid {carrier} label is in "
            "your inbox. Your refund is issued once the parcel arrives back with us.",
        ),
        fulfillment="delivered",
    ),
    Scenario(
        "refund_request",
        7,
        ("Where is my refund?", "Refund of €{amount} not received", "Refund still missing"),
        (
            "I returned the {product} two weeks ago (order #{order}) and still haven't received my refund "
            "of €{amount}. {carrier} shows it was delivered back to you on the 3rd.",
            "I was promised a refund of €{amount} for order {order}. It's been {days} days. Where is it?",
            "Hi, you confirmed my return of order #{order} last week. When will the refund show up on my card?",
            "Has the refund for order #{order} been processed yet? I can't see it in my account.",
        ),
        "Refund processing delay",
        "refund",
        ("Hi {first}, you're right, the refund stalled. I've issued €{amount} today; banks take 3-5 days.",),
        ("Still nothing on my card statement.", "Got it, thanks."),
        fulfillment="returned",
        refund_share=1.0,
    ),
    Scenario(
        "defect",
        6,
        ("{product} stopped working", "Defective product", "Warranty claim for order #{order}"),
        (
            "The {product} stopped working after one week. It doesn't power on at all anymore. "
            "Order #{order}. Is this covered by warranty?",
            "Second time this {product} fails. The first one was replaced in spring and now this one "
            "has the same fault.",
        ),
        "Product defect",
        "replacement",
        (
            "Hi {first}, that's covered by the warranty. I've sent a replacement {product}; "
            "please return the faulty one with the enclosed label.",
        ),
        fulfillment="delivered",
    ),
    Scenario(
        "billing_dispute",
        5,
        ("Charged twice", "Double charge on my card", "Billing problem order #{order}"),
        (
            "I was charged twice for order #{order}: two payments of €{amount} on my credit card. "
            "Please refund the duplicate charge immediately.",
            "My bank statement shows €{amount} charged by {store} but I cancelled that order. "
            "If this isn't fixed I'll file a chargeback.",
        ),
        "Payment double charge",
        "refund",
        ("Hi {first}, the payment provider captured twice. I've refunded the duplicate €{amount}.",),
        fulfillment="",
        refund_share=1.0,
    ),
    Scenario(
        "legal_threat",
        2,
        ("Formal complaint", "Final notice before legal action", "Consumer protection complaint"),
        (
            "This is my final attempt before I hand this to my lawyer. Order #{order}, €{amount}, never "
            "delivered and no refund after {days} days. I will take this to small claims court.",
            "I am filing a complaint with the consumer protection agency. Your company has ignored "
            "three emails about order {order}.",
        ),
        "Refund processing delay",
        "refund",
        (
            "Dear {first}, I'm sorry we let this get this far. I've refunded the full €{amount} today "
            "and added a voucher; I'm personally following up until it is on your account.",
        ),
        fulfillment="lost",
        refund_share=1.0,
    ),
    Scenario(
        "twitter_threat",
        3,
        ("Second lost order!!", "Unacceptable service", "I want my money back NOW"),
        (
            "This is the second time my order is lost, I want a refund NOW or I will post this on Twitter. "
            "Order #{order}.",
            "Worst service ever. 2 weeks and no answer. I'm posting screenshots of this on Instagram and "
            "leaving a 1-star review everywhere unless you fix order {order} today.",
        ),
        "Lost by carrier",
        "refund",
        ("Hi {first}, I'm really sorry. I've refunded the €{amount} for order #{order} in full today.",),
        ("Finally. Thanks.",),
        fulfillment="lost",
        refund_share=1.0,
    ),
    Scenario(
        "safety",
        1.5,
        ("Charger overheated", "Safety issue with {product}", "Product caught fire"),
        (
            "The {product} got extremely hot and started smoking while charging. It melted the cable "
            "and left a burn mark on my desk. My kid was next to it. This is dangerous.",
            "The {product} gave me an electric shock when I plugged it in. Please advise, I've stopped using it.",
        ),
        "Product safety issue",
        "refund",
        (
            "Hi {first}, thank you for telling us, and I'm glad nobody was hurt. Please stop using it; "
            "I've refunded the order in full and our product-safety team will contact you about collecting it.",
        ),
        fulfillment="delivered",
        refund_share=1.0,
    ),
    Scenario(
        "repeat_complaint",
        3,
        ("Third time writing about this", "STILL not resolved", "Nobody answers me"),
        (
            "I already wrote about this three times and nobody answered. Order #{order} is still missing "
            "the {product}. I'm really losing patience.",
            "Again the wrong size was delivered (order {order}). This is the second time in a month.",
        ),
        "Wrong item shipped",
        "replacement",
        (
            "Hi {first}, I'm sorry you had to write again; that should not happen. The missing {product} "
            "ships today by express and I've added a credit to your account.",
        ),
        fulfillment="delivered",
    ),
    Scenario(
        "cancellation",
        5,
        ("Cancel order #{order}", "Please cancel my order", "Cancellation"),
        (
            "Please cancel order #{order}, I ordered the wrong colour by mistake.",
            "I'd like to cancel my order {order} before it ships. Thanks!",
            "Hi, can you cancel order #{order}? I found the {product} cheaper elsewhere.",
            "I placed order {order} by accident this morning, please cancel it and refund me.",
            "Please don't ship order #{order}, I no longer need it. Can you cancel it?",
        ),
        "Customer cancelled",
        "cancellation",
        ("Hi {first}, order #{order} is cancelled and the €{amount} refund is on its way.",),
        fulfillment="processing",
        refund_share=1.0,
    ),
    Scenario(
        "order_change",
        4,
        ("Change shipping address", "Wrong address on order #{order}", "Change size"),
        (
            "I just noticed I entered my old address for order #{order}. Can you change it to "
            "Hauptstrasse 12, 10115 Berlin?",
            "Could I swap the {product} for the next size up before it ships?",
        ),
        "Address or order change",
        "order_change",
        ("Hi {first}, done: order #{order} now ships to the new address.",),
        fulfillment="processing",
    ),
    Scenario(
        "product_question",
        5,
        ("Question about {product}", "Is the {product} dishwasher safe?", "Product question"),
        (
            "Is the {product} dishwasher safe? And does it come with a warranty?",
            "Does the {product} work with 110 V? I'm moving to the US next month.",
            "How long is the warranty on the {product}?",
            "What are the dimensions of the {product}? Will it fit on a small counter?",
            "Is the {product} available in another colour?",
        ),
        "Product information request",
        "information",
        ("Hi {first}, yes, it is dishwasher safe, and it has a 2-year warranty.",),
        ("Great, thank you!",),
    ),
    Scenario(
        "policy_question",
        6,
        ("Return policy for sale items", "Shipping to Switzerland?", "Warranty terms", "Exchanges"),
        (
            "What's your return policy for items bought on sale? I bought the {product} on Black Friday.",
            "Do you ship to Switzerland, and who pays the customs fees?",
            "What does your warranty cover, and for how long after delivery?",
            "Can I exchange an item for a different size or colour, and does it cost anything?",
            "How many days do I have to return something I bought?",
            "How long does delivery usually take to Germany?",
            "Do I have to pay for return shipping?",
        ),
        "Policy question",
        "information",
        ("Hi {first}, sale items can be returned within 30 days like any other item.",),
    ),
    Scenario(
        "account",
        3,
        ("Can't log in", "Password reset not arriving", "Delete my account"),
        (
            "I can't log in to my account, the password reset email never arrives. My email is the one "
            "I'm writing from.",
            "Please delete my account and all my data (GDPR).",
        ),
        "Account access",
        "information",
        ("Hi {first}, I've re-sent the reset link; it was stuck in our mail queue.",),
    ),
    Scenario(
        "vip_complaint",
        2,
        ("Disappointed long-time customer", "Not the service I'm used to"),
        (
            "I've been ordering from {store} for years and spent thousands with you, but this time the "
            "{product} arrived used and scratched. I expect better.",
        ),
        "Wrong item shipped",
        "replacement",
        (
            "Dear {first}, thank you for your loyalty and I'm sorry. A brand-new {product} ships today "
            "by express, with a voucher for your next order.",
        ),
        fulfillment="delivered",
        vip_only=True,
    ),
    Scenario(
        "checkout_bug",
        2,
        ("Checkout error", "Discount code not working", "Payment page crashes"),
        (
            "Your checkout keeps failing with 'payment could not be processed' but my card was charged "
            "€{amount}. Did the order go through?",
            "The discount code from your newsletter says 'invalid' at checkout.",
        ),
        "Checkout bug",
        "information",
        ("Hi {first}, the order did go through: it's #{order}. Sorry for the confusing error.",),
    ),
    Scenario(
        "thanks",
        2,
        ("Thank you!", "Great service"),
        ("The {product} arrived today and it's perfect. Thanks for the quick help last week!",),
        "Order status enquiry",
        "no_action",
        ("Thank you, {first}! Enjoy the {product}.",),
    ),
    Scenario(
        "german_delivery",
        2,
        ("Wo bleibt meine Bestellung #{order}?", "Lieferung verspätet"),
        (
            "Hallo, meine Bestellung #{order} sollte schon vor {days} Tagen ankommen. Die Sendungsverfolgung "
            "von {carrier} zeigt seit Tagen nichts Neues. Können Sie bitte nachsehen?",
        ),
        "Carrier delay",
        "information",
        ("Hallo {first}, Ihr Paket ist bei {carrier} unterwegs und kommt in 2 Tagen an.",),
        fulfillment="delayed",
        locale="de",
    ),
    Scenario(
        "french_damaged",
        1,
        ("Colis endommagé", "Produit cassé à la livraison"),
        ("Bonjour, le {product} de la commande #{order} est arrivé cassé. Je souhaite un remplacement.",),
        "Damaged in transit",
        "replacement",
        ("Bonjour {first}, un nouveau {product} part aujourd'hui. Désolés pour le désagrément.",),
        fulfillment="delivered",
        locale="fr",
    ),
    Scenario(
        "spanish_refund",
        1,
        ("Reembolso pendiente", "¿Dónde está mi reembolso?"),
        ("Hola, devolví el {product} hace dos semanas y todavía no he recibido el reembolso de €{amount}.",),
        "Refund processing delay",
        "refund",
        ("Hola {first}, hemos emitido el reembolso de €{amount} hoy.",),
        fulfillment="returned",
        refund_share=1.0,
        locale="es",
    ),
    Scenario(
        "review_one_star",
        2,
        ("★☆☆☆☆ Broke after a month", "1 star: terrible delivery"),
        (
            "1/5. The {product} broke after a month and support took ages to answer. Would not buy again.",
            "One star. Parcel arrived 10 days late and the box was soaked.",
        ),
        "Product defect",
        "replacement",
        ("Hi {first}, sorry to read this. We've sent you a replacement {product}; thanks for the feedback.",),
        channels=("review",),
        fulfillment="delivered",
    ),
)

# (channel, weight): where customers write from.
CHANNEL_WEIGHTS = {"email": 40, "chat": 22, "social": 12, "sms": 9, "review": 5, "api": 12}

HTML_EMAIL = (
    "<html><body><p>{greeting}</p><p>{body}</p>"
    "<p style='color:#888'>Sent from my iPhone</p>"
    "<img src='https://tracker.example.net/pixel.gif' width='1' height='1'>"
    "<script>alert('x')</script></body></html>"
)

AGENT_SIGNOFF = "\n\nBest,\n{agent} at {store} support"


# --- the support org: its people (teams and tiers are routing.workflow's) ------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    team: str | None = None
    tier: str | None = None
    skills: tuple[str, ...] = ()
    superuser: bool = False


USERS = [
    DemoUser(
        "alex", "Alex", "Rivera", ("agent",), "frontline", "general", ("order_status", "delivery_problem")
    ),
    DemoUser("sam", "Sam", "Okoro", ("agent",), "frontline", "general", ("return_request", "cancellation")),
    DemoUser("kim", "Kim", "Larsen", ("agent",), "frontline", "general", ("product_question", "account")),
    DemoUser(
        "riley",
        "Riley",
        "Chen",
        ("agent",),
        "specialists",
        "specialist",
        ("refund_request", "billing", "product_defect"),
    ),
    DemoUser("morgan", "Morgan", "Blake", ("senior agent", "agent"), "senior", "senior", ("complaint",)),
    DemoUser("taylor", "Taylor", "Reyes", ("manager",), "management", "manager"),
    DemoUser("admin", "Ada", "Admin", ("admin",), superuser=True),
]
