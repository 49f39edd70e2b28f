#!/usr/bin/env python3
"""Vigia JSONL (stdin) to the AMLworld CSV layout (stdout), for bench/monitor.sh.

The institution (or "0") is the bank; a party without an account gets an empty
Account column. Channels map to AMLworld payment
formats; currencies to AMLworld's names. Labels become `Is Laundering`.
"""
import json
import sys
from datetime import datetime, timezone

FORMATS = {"cash": "Cash", "wire": "Wire", "ach": "ACH", "cheque": "Cheque", "card": "Credit Card",
           "internal": "Reinvestment", "crypto": "Bitcoin", "remittance": "Wire",
           "monetary_instrument": "Cheque", "other": "Wire"}
CURRENCIES = {"USD": "US Dollar", "EUR": "Euro", "CNY": "Yuan", "JPY": "Yen", "GBP": "UK Pound",
              "INR": "Rupee", "RUB": "Ruble", "MXN": "Mexican Peso", "CAD": "Canadian Dollar",
              "AUD": "Australian Dollar", "CHF": "Swiss Franc", "BRL": "Brazil Real",
              "SAR": "Saudi Riyal", "ILS": "Shekel", "BTC": "Bitcoin"}


def side(party):
    # A party without an account (a walk-in cash customer) keeps the column
    # empty: the reader takes it as no account, not one shared account.
    account = party.get("account") or ""
    bank = (party.get("institution") or "0").replace(",", " ")
    return bank, account.replace(",", " ")


out = sys.stdout
out.write("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
          "Amount Paid,Payment Currency,Payment Format,Is Laundering\n")
for line in sys.stdin:
    t = json.loads(line)
    ts = t["timestamp"]
    when = (datetime.fromtimestamp(ts / 1000, tz=timezone.utc) if isinstance(ts, (int, float))
            else datetime.fromisoformat(ts.replace("Z", "+00:00")))
    fb, fa = side(t["originator"])
    tb, ta = side(t["beneficiary"])
    cur = CURRENCIES.get(t.get("currency", "USD"), "US Dollar")
    amount = f'{t["amount"]:.2f}'
    label = 1 if t.get("labels") else 0
    out.write(f'{when:%Y/%m/%d %H:%M},{fb},{fa},{tb},{ta},{amount},{cur},{amount},{cur},'
              f'{FORMATS.get(t.get("channel", "other"), "Wire")},{label}\n')
