"""The journeys of the mission in a real browser, in Norwegian, with an axe-core check on every
page: from registration to «administrator» through the regulator, a second person from «ubekreftet
bruker» to «bruker», a case given to the user who sends documentation and contacts the caseworker,
a withdrawal, and a rejection with its reason in the inbox."""

from __future__ import annotations

from tests.browser.conftest import STAFF_PASSWORD
from tests.browser.journey import Visitor, latest_link
from tests.cases.test_uploads import PDF

PASSWORD = "et langt og godt passord"


def register(visitor: Visitor, name: str, email: str, born: str) -> None:
    visitor.goto("/register", shot=None)
    visitor.fill("Fullt navn (som i Folkeregisteret)", name)
    visitor.fill("E-postadresse", email)
    visitor.fill("Fødselsdato", born)
    visitor.click("Registrer deg")
    assert "Sjekk e-posten din" in visitor.page.content()
    visitor.goto(latest_link(visitor.live.app, "confirm_registration", email))
    visitor.fill("Passord", PASSWORD)  # chosen by whoever holds the mailbox, on the confirmation page
    visitor.fill("Gjenta passordet", PASSWORD)
    visitor.click("Bekreft og opprett bruker")


def log_in(visitor: Visitor, email: str, password: str) -> None:
    visitor.goto("/login")
    visitor.fill("E-postadresse", email)
    visitor.fill("Passord", password)
    visitor.click("Logg inn")


def represent(visitor: Visitor, typed: str, organisation: str, shot: str | None = None) -> None:
    visitor.click("Jeg representerer en virksomhet", role="link")
    visitor.page.get_by_label("Søk etter organisasjonen din med navn eller organisasjonsnummer").type(typed, delay=40)
    choose = visitor.page.get_by_role("link", name=f"Velg {organisation}", exact=True)
    choose.wait_for()
    visitor.check(shot)
    choose.click()
    visitor.check()
    visitor.fill("Hvorfor ber du om tilgang? (valgfritt)", "Jeg har ansvar for kundeklager.")
    visitor.click(f"Registrer meg for {organisation}")


def test_the_journeys(live, browser, artifacts):
    ola = Visitor(browser, live, artifacts, "ola")
    siri = Visitor(browser, live, artifacts, "siri")
    kari = Visitor(browser, live, artifacts, "kari")
    lars = Visitor(browser, live, artifacts, "lars")
    try:
        # A new person registers and represents an organisation: «ubekreftet administrator».
        ola.goto("/", shot="01-welcome")
        register(ola, "Ola Nordmann", "ola@nordlys.no", "1975-03-14")
        represent(ola, "nordlys elek", "NORDLYS ELEKTRONIKK AS", shot="02-velg-organisasjon")
        assert "ubekreftet administrator" in ola.header()
        ola.check(shot="03-ubekreftet-administrator")

        # The caseworker approves, with the register's evidence in view: «administrator».
        log_in(siri, "siri@forbrukertilsynet.example.com", STAFF_PASSWORD)
        siri.click("Godkjenninger", role="link", shot="04-godkjenninger")
        assert "Registrert som Daglig leder (DAGL)" in siri.page.content()
        siri.click("NORDLYS ELEKTRONIKK AS", role="link", shot="05-godkjenning")
        siri.click("Godkjenn som administrator")
        ola.goto("/", shot="06-administrator")
        assert "administrator" in ola.header() and "ubekreftet" not in ola.header()

        # A second person joins: «ubekreftet bruker», then approved by the administrator: «bruker».
        register(kari, "Kari Hansen", "kari@nordlys.no", "1988-11-02")
        represent(kari, "310 000 019", "NORDLYS ELEKTRONIKK AS")
        assert "ubekreftet bruker" in kari.header()
        ola.goto("/inbox/", shot="07-innboks")
        ola.click("Brukere", role="link", shot="08-brukere")
        ola.click("Godkjenn")
        kari.goto("/")
        assert "bruker" in kari.header() and "ubekreftet" not in kari.header()

        # The administrator submits a mediation case and gives the user access to it.
        ola.click("Våre saker", role="link", shot="09-vare-saker")
        ola.click("Ny sak", role="link")
        ola.page.get_by_label("Type sak").select_option("mediation")
        ola.fill("Emne", "Reklamasjon på levert varmepumpe")
        ola.fill("Beskriv saken", "Varmepumpen stoppet etter to uker.")
        ola.fill("Virksomheten meklingen gjelder", "fjellsport")  # by name, chosen from the register
        ola.click("Send inn saken", shot="10-velg-virksomhet")
        ola.page.get_by_label("FJELLSPORT ØST AS", exact=False).check()
        ola.click("Send inn saken", shot="10-sak")
        ola.page.get_by_label("Gi tilgang til").select_option(label="Kari Hansen")
        ola.click("Gi tilgang")
        case_path = ola.page.url.replace(live.url, "")

        # The user opens the case, sends documentation and contacts the caseworker.
        kari.click("Våre saker", role="link")
        kari.goto(case_path)
        kari.click("Dokumenter", role="link", shot="11-dokumenter")
        kari.page.get_by_label("Fil").set_input_files(
            files=[{"name": "kvittering.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        kari.click("Send")
        assert "kvittering.pdf er lagt til i saken." in kari.page.content()
        kari.fill("Melding", "Når kan vi vente svar fra motparten?")
        kari.click("Send melding", shot="12-kontakt-oss")
        assert "Meldingen din er sendt til saksbehandleren." in kari.page.content()

        # The submitter withdraws the case.
        ola.goto(case_path)
        ola.click("Trekk saken", role="link")
        ola.fill("Hvorfor velger du å trekke saken? (valgfritt)", "Vi ble enige med selgeren.")
        ola.click("Trekk saken", shot="13-trukket")
        assert "trukket" in ola.page.content()

        # A rejection with its reason reaches the inbox, with the unread count in red.
        register(lars, "Lars Dahl", "lars@blabaer.no", "1990-05-05")
        represent(lars, "blåbær", "BLÅBÆR OG TYTTEBÆR HANDEL AS")
        siri.click("Godkjenninger", role="link")
        siri.click("BLÅBÆR OG TYTTEBÆR HANDEL AS", role="link")
        siri.fill("Begrunnelse (sendes til personen og organisasjonen)",
                  "Du står ikke som styreleder i Enhetsregisteret.")
        siri.click("Avvis")
        lars.goto("/")
        badge = lars.page.locator("header .badge")
        assert badge.inner_text().startswith("1")
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(179, 18, 31)"
        lars.click("Innboks", role="link", exact=False)
        lars.click("Registreringen av BLÅBÆR OG TYTTEBÆR HANDEL AS er ikke godkjent", role="link",
                   shot="14-avvisning")
        assert "Du står ikke som styreleder i Enhetsregisteret." in lars.page.content()
    finally:
        for visitor in (ola, siri, kari, lars):
            visitor.close()
    assert len({page for v in (ola, siri, kari, lars) for page in v.checked}) >= 15
