"""The daily mail batch at scale: `lossmit letters batch` rendering N letters.

    python benchmarks/letters_batch.py [--letters N] [--embedded-every K]

Imports N cases (one owner, the 1 January installment unpaid) into a temporary SQLite file,
so that each owes the written early-intervention notice on 10 February, then times the batch
(the service `lossmit letters batch` calls): each letter composed from its case, rendered to
text and to a PDF, kept with its hashes in its own transaction, then every PDF rendered again,
checked against its hash and written with the manifest. Prints the time, the rate and the
process's CPU time (the machine is shared: CPU time is the steadier figure). The borrowers'
names are José Núñez and Zoë Ångström (Helvetica draws them); with --embedded-every K every
K-th is Trần Thị Đào, whose letter needs the embedded DejaVu Sans.
"""

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db.engine import make_engine
from db.migrate import ensure_current
from lossmit_tui.config import load_settings
from lossmit_tui.services.importer import import_extract
from lossmit_tui.services.letters import owed_letters, run_batch
from lossmit_tui.services.users import add_user
from lossmit_tui.services.workspace import open_workspace

DAY = date(2026, 2, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--embedded-every", type=int, default=0)
    args = parser.parse_args()
    settings = load_settings(servicer_name="Acme Servicing",
                             servicer_address="1 Main St, Dallas, TX 75001",
                             servicer_phone="(800) 555-0100",
                             spoc_phones={"mail": "2145550123"})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(str(folder / "letters.db"))
        ensure_current(engine)
        setup = open_workspace(engine, settings, "setup", DAY)
        add_user(setup, "mail", "Mia Mailroom", "admin", None)
        extract = folder / "cases.csv"
        with extract.open("w", encoding="utf-8") as out:
            out.write("loan_number,borrower_name,co_borrower_name,investor,upb,next_due_date,"
                      "property_address,property_city,property_state,property_zip,assignee\n")
            for n in range(args.letters):
                every = args.embedded_every
                name = "Trần Thị Đào" if every and n % every == every - 1 else "José Núñez"
                out.write(f"B{n:07d},{name} {n},Zoë Ångström,FNMA,210000,2026-01-01,"
                          f"{n} Oak Rd,Plano,TX,75023,mail\n")
        ws = open_workspace(engine, settings, "mail", date(2026, 1, 20))
        started = time.perf_counter()
        assert import_extract(ws, extract).ok
        print(f"imported {args.letters:,} cases in {time.perf_counter() - started:.1f} s")
        ws = ws.on(DAY)
        started = time.perf_counter()
        owed = owed_letters(ws)
        print(f"letters due: {len(owed):,} in {time.perf_counter() - started:.2f} s")
        started, cpu = time.perf_counter(), time.process_time()
        report = run_batch(ws, folder / "batch")
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert not report.refused, report.refused[:3]
        count = len(report.written)
        print(f"batch {report.batch_id}: {count:,} letters in {took:.1f} s "
              f"({count / took:.1f} letters/s, {1000 * took / count:.1f} ms each); "
              f"CPU {cpu:.1f} s ({1000 * cpu / count:.1f} ms each)")
        fonts = folder / "batch"
        embedded = sum(1 for f in fonts.glob("*.pdf") if b"DejaVu" in f.read_bytes())
        print(f"{embedded:,} of {count:,} in the embedded DejaVu Sans, the rest in Helvetica")


if __name__ == "__main__":
    main()
