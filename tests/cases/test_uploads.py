"""«Ettersend dokumentasjon»: the accepted types, every refusal with its message, nothing left
behind by a refusal, and downloads through the case's access check, as attachments."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from orgsvc.cases.models import CaseDocument, CaseEvent
from orgsvc.extensions import db
from tests.support import login

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20
TIFF = b"II*\x00" + b"\x08\x00\x00\x00" + b"\x00" * 20
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 10
RTF = b"{\\rtf1\\ansi Hei}"
XML = "<?xml version='1.0' encoding='utf-8'?><klage><tekst>Blåbær</tekst></klage>".encode()
TXT = "Kvittering for kjøp av blåbær og tyttebær, 17. mai.\n".encode()
EML = b"From: kunde@example.com\r\nTo: butikk@example.com\r\nSubject: Klage\r\n\r\nHei\r\n"
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40
MPEG_VIDEO = b"\x00\x00\x01\xba" + b"\x44" * 40
HTML = b"<!doctype html><script>alert(1)</script>"


def _zip(entries: list[tuple[str, bytes]], first_stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if first_stored and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


DOCX = _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
XLSX = _zip([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")])
ODT = _zip([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>")], True)
PLAIN_ZIP = _zip([("hello.txt", b"hello")])


def post_file(client, case_id: int, name: str, content: bytes):
    """POST the file as a browser does, with the multipart body built in memory."""
    fields = {"csrf_token": client.csrf_token(), "file": FileStorage(io.BytesIO(content), filename=name)}
    boundary, body = encode_multipart(fields)
    return client.post(f"/cases/{case_id}/documents", data=body, csrf=False,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_windows_path_in_the_name_is_refused(app, client, world, cases):
    login(client, world.user_a.email)
    token = client.csrf_token()
    body = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--B\r\nContent-Disposition: form-data; name="file"; filename="C:\\\\Users\\\\win.ini.txt"\r\n'
            'Content-Type: text/plain\r\n\r\nhei\r\n--B--\r\n').encode()
    response = client.post(f"/cases/{cases.a_against_b}/documents", data=body, csrf=False,
                           content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    assert "Filnavnet kan ikke inneholde en sti" in response.get_data(as_text=True)
    assert _stored_files(app) == [] and _documents(app) == 0


def upload_pdf(app, person, case_id, kind_ok=True):
    """Store a PDF for ``case_id`` as ``person`` through the service (test set-up)."""
    from orgsvc.access import load_principal
    from orgsvc.accounts.models import Person
    from orgsvc.cases.services import _record_document
    from orgsvc.cases.uploads import receive

    with app.test_request_context():
        stored = receive(io.BytesIO(PDF), "kvittering.pdf")
        principal = load_principal(db.session.get(Person, person.id))
        if kind_ok:
            return _record_document(principal, case_id, stored, None).id
        from orgsvc.cases.models import CaseDocument as Row

        row = Row(case_id=case_id, original_name="kvittering.pdf", stored_name=stored.stored_name,
                  content_type="application/pdf", size_bytes=stored.size_bytes, sha256=stored.sha256)
        db.session.add(row)
        db.session.commit()
        return row.id


def _stored_files(app) -> list[Path]:
    directory = Path(app.config["ORGSVC_UPLOAD_DIR"])
    return sorted(directory.iterdir()) if directory.exists() else []


def _documents(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(CaseDocument))


@pytest.mark.parametrize(
    ("name", "content"),
    [("kvittering.pdf", PDF), ("bilde.PNG", PNG), ("foto.jpg", JPEG), ("foto.jpeg", JPEG), ("anim.gif", GIF),
     ("skann.tif", TIFF), ("skann.tiff", TIFF), ("brev.doc", OLE2), ("e-post.msg", OLE2), ("tall.xls", OLE2),
     ("lyd.mp3", MP3), ("opptak.mpeg", MP3), ("brev.rtf", RTF), ("data.xml", XML), ("notat.txt", TXT),
     ("e-post.eml", EML), ("avtale.docx", DOCX), ("regnskap.xlsx", XLSX), ("brev.odt", ODT),
     ("Kjøpsavtale – blåbær (endelig).pdf", PDF)],
)
def test_accepted_files_are_stored_and_downloadable(app, client, world, cases, name, content):
    login(client, world.user_a.email)
    response = post_file(client, cases.a_against_b, name, content)
    assert response.status_code == 302, response.get_data(as_text=True)
    [stored] = _stored_files(app)
    assert len(stored.name) == 32 and name not in stored.name, "stored under a generated name"
    assert stored.read_bytes() == content
    with app.app_context():
        document = db.session.scalar(sa.select(CaseDocument))
        assert document.original_name == name and document.size_bytes == len(content)
        assert db.session.scalar(sa.select(CaseEvent).where(CaseEvent.kind == "document_added"))
    download = client.get(f"/cases/{cases.a_against_b}/documents/{document.id}")
    try:
        assert download.status_code == 200
        assert download.data == content
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        download.close()


REFUSALS = [
    ("program.exe", b"MZ\x90\x00", "Filer av typen .exe kan ikke legges til"),
    ("ingen-endelse", PDF, "Filer av typen (ingen) kan ikke legges til"),
    ("film.mp4", MP4, "Du kan ikke legge til videoer. Send videofiler til Forbrukertilsynet på e-post"),
    ("film.mov", MP4, "Du kan ikke legge til videoer. Send videofiler til Forbrukertilsynet på e-post"),
    ("film.mpeg", MPEG_VIDEO, "Du kan ikke legge til videoer. Send videofiler til Forbrukertilsynet på e-post"),
    ("skjult-video.pdf", MP4, "Du kan ikke legge til videoer. Send videofiler til Forbrukertilsynet på e-post"),
    ("bilde.png", HTML, "Innholdet i filen stemmer ikke med filtypen .png"),
    ("kvittering.pdf", PNG, "Innholdet i filen stemmer ikke med filtypen .pdf"),
    ("avtale.docx", PLAIN_ZIP, "Innholdet i filen stemmer ikke med filtypen .docx"),
    ("avtale.docx", OLE2, "Innholdet i filen stemmer ikke med filtypen .docx"),
    ("brev.odt", DOCX, "Innholdet i filen stemmer ikke med filtypen .odt"),
    ("notat.txt", b"\x00\x01\x02binary", "Innholdet i filen stemmer ikke med filtypen .txt"),
    ("a" * 257 + ".pdf", PDF, "Filnavnet er 261 tegn langt; høyst 260 er tillatt."),
    ("../../etc/passwd.txt", TXT, "Filnavnet kan ikke inneholde en sti"),
    (".htaccess.txt", TXT, "Filen har ikke et brukbart navn"),
    ("tom.pdf", b"", "Filen er tom."),
    ("kontroll\x07tegn.pdf", PDF, "Filnavnet inneholder tegn som ikke er tillatt."),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSALS)
def test_refusals_give_their_message_and_leave_nothing(app, client, world, cases, name, content, message):
    login(client, world.user_a.email)
    response = post_file(client, cases.a_against_b, name, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _stored_files(app) == []
    assert _documents(app) == 0


def test_a_file_over_the_size_limit_is_refused_and_not_kept(app, client, world, cases):
    app.config["ORGSVC_UPLOAD_MAX_MB"] = 1 / 1024  # 1 kB
    login(client, world.user_a.email)
    response = post_file(client, cases.a_against_b, "stor.pdf", PDF + b"0" * 2048)
    assert response.status_code == 400
    assert "Filen er større enn" in response.get_data(as_text=True)
    assert _stored_files(app) == [] and _documents(app) == 0


def test_a_request_far_over_the_limit_is_413(app, client, world, cases):
    app.config["ORGSVC_UPLOAD_MAX_MB"] = 1 / 1024
    login(client, world.user_a.email)
    response = post_file(client, cases.a_against_b, "enorm.pdf", PDF + b"0" * 3 * 1024 * 1024)
    assert response.status_code == 413
    assert _stored_files(app) == [] and _documents(app) == 0


def test_a_visitor_gets_only_the_small_request_limit_on_the_upload_route(app, client, world, cases):
    """Not signed in, a 3 MB upload is refused at the small limit (2 MB), before the CSRF check would
    read the whole body; signed in, the same body is read and refused as a file too large (400)."""
    app.config["ORGSVC_UPLOAD_MAX_MB"] = 4
    body = PDF + b"0" * 3 * 1024 * 1024
    assert post_file(client, cases.a_against_b, "stor.pdf", body).status_code == 413
    login(client, world.user_a.email)
    app.config["ORGSVC_UPLOAD_MAX_MB"] = 2.5  # the body fits the request limit; the file is too large
    assert post_file(client, cases.a_against_b, "stor.pdf", body).status_code == 400

def test_other_routes_keep_the_small_request_limit(app, client, world):
    login(client, world.user_a.email)
    response = client.post("/account/password", data={"current_password": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize(("persona", "case", "status"),
                         [("admin_a", "a_closed", 403), ("admin_a", "a_tip", 403), ("user_a", "a_guidance", 403),
                          ("user_a", "a_tip", 404), ("admin_b", "a_tip", 404), ("admin_b", "a_against_b", 302)])
def test_uploads_only_in_ongoing_mediation_cases_by_those_who_see_them(app, client, world, cases, persona, case,
                                                                         status):
    login(client, getattr(world, persona).email)
    response = post_file(client, getattr(cases, case), "kvittering.pdf", PDF)
    assert response.status_code == status
    if status != 302:
        assert _stored_files(app) == [] and _documents(app) == 0


def test_a_closed_mediation_says_which_statuses_take_documentation(client, world, cases):
    """«pågående» names no status the list shows: the page says which ones it means."""
    login(client, world.user_a.email)
    closed = client.get(f"/cases/{cases.a_closed}/documents").get_data(as_text=True)
    assert "Du kan kun ettersende dokumentasjon i pågående meklingssaker, det vil si mens statusen er " \
           "«innsendt» eller «under behandling»." in closed
    ongoing = client.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    assert "pågående meklingssaker" not in ongoing

def test_downloads_of_another_organisations_case_are_404(app, client, world, cases):
    document_id = upload_pdf(app, world.admin_a, cases.a_tip, kind_ok=False)
    login(client, world.admin_b.email)
    assert client.get(f"/cases/{cases.a_tip}/documents/{document_id}").status_code == 404
    assert client.get(f"/cases/{cases.a_against_b}/documents/{document_id}").status_code == 404, \
        "a document is only found through its own case"


# --- the database refuses the row after the file is stored --------------------------------------
REFUSE_ON_SQLITE = ("CREATE TRIGGER refuse_documents BEFORE INSERT ON case_document "
                    "BEGIN SELECT RAISE(ABORT, 'no room for documents'); END")
REFUSE_ON_POSTGRESQL = (
    "CREATE FUNCTION refuse_documents() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'no room for documents'; END $$; "
    "CREATE TRIGGER refuse_documents BEFORE INSERT ON case_document "
    "FOR EACH ROW EXECUTE FUNCTION refuse_documents()"
)
STOP_REFUSING = {"sqlite": "DROP TRIGGER refuse_documents",
                 "postgresql": "DROP TRIGGER refuse_documents ON case_document; DROP FUNCTION refuse_documents()"}


def _refuse_document_rows(app, database) -> None:
    """A trigger in the database that refuses every new document row (the test's transaction
    holds it, and takes it away when the test ends)."""
    with app.app_context():
        connection = db.session.connection()
        if database.backend == "sqlite":
            connection.exec_driver_sql(REFUSE_ON_SQLITE)
        else:
            connection.exec_driver_sql(REFUSE_ON_POSTGRESQL)
        db.session.commit()


def _stop_refusing(app, database) -> None:
    with app.app_context():
        for statement in STOP_REFUSING[database.backend].split("; "):
            db.session.connection().exec_driver_sql(statement)
        db.session.commit()


def _fail_the_commit_of_a_document(session) -> None:
    """At commit, a statement the database refuses (a NOT NULL column set to NULL), once the
    transaction holds a new document: the row was written, the commit is what fails."""
    documents = [row for row in session.identity_map.values() if isinstance(row, CaseDocument)]
    if documents:
        session.connection().execute(sa.update(CaseDocument).where(CaseDocument.id == documents[0].id)
                                     .values(sha256=None))


def _last_activity(app, case_id):
    from orgsvc.cases.models import Case

    with app.app_context():
        return db.session.get(Case, case_id).last_activity_at


@pytest.mark.parametrize("moment", ["insert", "commit"])
def test_a_database_failure_after_the_file_is_stored_leaves_nothing(app, client, database, world, cases, moment):
    login(client, world.user_a.email)
    before = _last_activity(app, cases.a_against_b)
    if moment == "insert":
        _refuse_document_rows(app, database)
    else:
        sa.event.listen(db.session, "before_commit", _fail_the_commit_of_a_document)
    try:
        response = post_file(client, cases.a_against_b, "kvittering.pdf", PDF)
    finally:
        if moment == "commit":
            sa.event.remove(db.session, "before_commit", _fail_the_commit_of_a_document)
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert "Filen ble ikke lagret. Prøv igjen om litt." in page
    assert 'type="file"' in page, "the form is there to try again"
    assert _stored_files(app) == [], "the stored file is removed"
    assert _documents(app) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(CaseEvent).where(CaseEvent.kind == "document_added")) is None
    assert _last_activity(app, cases.a_against_b) == before

    if moment == "insert":
        _stop_refusing(app, database)
    assert post_file(client, cases.a_against_b, "kvittering.pdf", PDF).status_code == 302, "trying again works"
    assert len(_stored_files(app)) == 1 and _documents(app) == 1


def _lose_the_answer_to_a_documents_commit(monkeypatch) -> list:
    """The server takes the COMMIT, then the connection breaks before its answer comes: the commit
    happened, the session reports an error (once, for a commit that holds a new document). The list
    it returns gets an entry when that happens."""
    from sqlalchemy.orm import Session

    lost, commit = [], Session.commit

    def commit_then_fail(session):
        documents = [row for row in session.identity_map.values() if isinstance(row, CaseDocument)]
        commit(session)
        if documents and not lost:
            lost.append(documents[0])
            raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "commit", commit_then_fail)
    return lost


def test_a_document_whose_commit_went_through_despite_the_error_is_kept(app, client, world, cases, monkeypatch):
    login(client, world.user_a.email)
    lost = _lose_the_answer_to_a_documents_commit(monkeypatch)
    response = post_file(client, cases.a_against_b, "kvittering.pdf", PDF)
    assert lost, "the commit was reported as failed"
    assert response.status_code == 302, "the document is there: saying it is not would invite a second copy"
    assert _documents(app) == 1 and len(_stored_files(app)) == 1


def test_when_the_database_cannot_say_whether_the_row_committed_the_file_is_kept(app, client, world, cases,
                                                                                monkeypatch):
    """A row without its file would be a broken document; a file without a row is only space."""
    login(client, world.user_a.email)
    lost = _lose_the_answer_to_a_documents_commit(monkeypatch)

    def database_gone(_conn, _cursor, statement, *_args):
        if lost and "case_document.stored_name =" in statement:
            raise sa.exc.OperationalError(statement, {}, Exception("could not connect to server"))

    with app.app_context():
        engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", database_gone)
    try:
        response = post_file(client, cases.a_against_b, "kvittering.pdf", PDF)
    finally:
        sa.event.remove(engine, "before_cursor_execute", database_gone)
    assert response.status_code == 503
    assert _documents(app) == 1 and len(_stored_files(app)) == 1, "the committed row keeps its file"


def test_the_documents_list_writes_sizes_the_readers_way(client, world, cases):
    # 1536 bytes: «1,5 kB» in bokmål (not «1.5 kB»), «1.5 kB» in English; a tiny file in bytes, not «0.0 kB».
    login(client, world.user_a.email)
    assert post_file(client, cases.a_against_b, "kvittering.pdf", PDF + b"%" * (1536 - len(PDF))).status_code == 302
    assert post_file(client, cases.a_against_b, "liten.pdf", PDF).status_code == 302
    norwegian = client.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    assert "<td>1,5 kB</td>" in norwegian and f"<td>{len(PDF)} B</td>" in norwegian
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/cases/{cases.a_against_b}/documents").get_data(as_text=True)
    assert "<td>1.5 kB</td>" in english and f"<td>{len(PDF)} byte</td>" in english
    assert "0.0 kB" not in norwegian + english
