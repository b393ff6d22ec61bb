import io

import pytest
from django.core.management import CommandError, call_command

from frenchimpact.territories.models import Commune, Epci

COMMUNE_HEADER = "TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT"
COMMUNES = f"""{COMMUNE_HEADER}
COM,01001,84,01,01D,012,5,ABERGEMENT CLEMENCIAT,Abergement-Clémenciat,L'Abergement-Clémenciat,0108,
COM,01004,84,01,01D,012,1,AMBERIEU EN BUGEY,Ambérieu-en-Bugey,Ambérieu-en-Bugey,0101,
COMD,01015,84,01,01D,011,1,ARBIGNIEU,Arbignieu,Arbignieu,,01015
COM,2A004,94,2A,2AD,2A1,0,AJACCIO,Ajaccio,Ajaccio,2A98,
ARM,75101,11,75,75C,751,0,PARIS 01,Paris 01,Paris 1er Arrondissement,,75056
COM,75056,11,75,75C,751,0,PARIS,Paris,Paris,7599,
COM,97411,04,974,974D,974,0,SAINT DENIS,Saint-Denis,Saint-Denis,97498,
"""


def _write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _import(kind, path, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cog", kind, str(path), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_communes_creates_communes_and_skips_other_types(territories, tmp_path):
    out, err = _import("communes", _write(tmp_path, COMMUNES))

    abergement = Commune.objects.select_related("department").get(code="01001")
    assert abergement.nom == "L'Abergement-Clémenciat"
    assert abergement.department.code == "01"
    assert Commune.objects.get(code="2A004").department.code == "2A"
    assert not Commune.objects.filter(code__in=["01015", "75101"]).exists()
    assert Commune.objects.count() == 101 + 2  # two new ones, three prefectures updated/unchanged
    assert "7 ligne(s) lue(s). communes : 2 créée(s), 0 mise(s) à jour, 3 inchangée(s)." in out
    assert "2 ligne(s) ignorée(s)" in out
    assert "Aucune ligne rejetée." in out
    assert err == ""


@pytest.mark.django_db
def test_import_communes_is_idempotent_and_updates_names(territories, tmp_path):
    path = _write(tmp_path, COMMUNES)
    _import("communes", path)
    Commune.objects.filter(code="01004").update(nom="Amberieu")
    count = Commune.objects.count()

    out, _err = _import("communes", path, batch_size=2)

    assert Commune.objects.count() == count
    assert Commune.objects.get(code="01004").nom == "Ambérieu-en-Bugey"
    assert "0 créée(s), 1 mise(s) à jour, 4 inchangée(s)" in out
    # The prefecture flag survives the import.
    assert Commune.objects.get(code="75056").is_prefecture


@pytest.mark.django_db
def test_import_communes_with_a_wrong_header_writes_nothing(territories, tmp_path):
    path = _write(tmp_path, "TYPECOM,CODE,REG,DEPT,NOM\nCOM,01001,84,01,X\n")
    with pytest.raises(CommandError) as error:
        _import("communes", path)
    message = str(error.value)
    assert "Colonnes manquantes dans l’en-tête : COM, DEP, LIBELLE" in message
    assert "Rien n’a été importé" in message
    assert Commune.objects.count() == 101


@pytest.mark.django_db
def test_import_communes_of_an_empty_file_is_an_error(territories, tmp_path):
    with pytest.raises(CommandError, match="Le fichier est vide"):
        _import("communes", _write(tmp_path, ""))


@pytest.mark.django_db
def test_import_communes_rejects_bad_rows_with_their_line_numbers(territories, tmp_path):
    text = f"""{COMMUNE_HEADER}
COM,01001,84,01,01D,012,5,X,X,L'Abergement-Clémenciat,0108,
COM,1001,84,01,01D,012,5,X,X,Code trop court,0108,
COM,20004,94,20,20D,201,0,X,X,Ajaccio,2098,
COM,01002,84,01,01D,012,5,X,X,,0108,
COM,01001,84,01,01D,012,5,X,X,Doublon,0108,
COM,02001,32,01,02D,021,5,X,X,Mauvais département,0201,
COM,01003,84
COM,01004,84,01,01D,012,1,X,X,Ambérieu-en-Bugey,0101,
"""
    out, err = _import("communes", _write(tmp_path, text))

    candidates = ["01001", "01002", "01003", "01004", "02001", "20004"]
    assert set(Commune.objects.filter(code__in=candidates).values_list("code", flat=True)) == {
        "01001",
        "01004",
    }
    assert "6 ligne(s) rejetée(s) :" in err
    assert "ligne 3 : code commune « 1001 » invalide" in err
    assert "ligne 4 : département « 20 » inconnu" in err
    assert "ligne 5 : libellé vide pour la commune « 01002 »" in err
    assert "ligne 6 : commune « 01001 » en double dans le fichier" in err
    assert "ligne 7 : le code commune « 02001 » n’appartient pas au département « 01 »" in err
    assert "ligne 8 : nombre de colonnes différent de celui de l’en-tête" in err
    assert "2 créée(s)" in out


@pytest.mark.django_db
def test_import_communes_needs_the_departments(db, tmp_path):
    with pytest.raises(CommandError, match="load_territories"):
        _import("communes", _write(tmp_path, COMMUNES))
    assert Commune.objects.count() == 0


@pytest.mark.django_db
def test_import_communes_names_the_encoding_problem(territories, tmp_path):
    path = _write(tmp_path, COMMUNES.replace("Ambérieu", "Amb\xe9rieu"), encoding="latin-1")
    with pytest.raises(CommandError, match="--encoding"):
        _import("communes", path)
    out, _err = _import("communes", path, encoding="latin-1")
    assert "2 créée(s)" in out


EPCI_HEADER = "CODGEO,LIBGEO,EPCI,LIBEPCI,NATURE_EPCI,DEP,REG"
EPCIS = f"""{EPCI_HEADER}
01001,L'Abergement-Clémenciat,200069193,CC de la Dombes,CC,01,84
01004,Ambérieu-en-Bugey,240100883,CC de la Plaine de l'Ain,CC,01,84
01053,Bourg-en-Bresse,200071751,CA du Bassin de Bourg-en-Bresse,CA,01,84
75056,Paris,200054781,Métropole du Grand Paris,ME,75,11
97411,Saint-Denis,249740119,CA CINOR,CA,974,04
"""


@pytest.fixture
def communes(territories, tmp_path):
    _import("communes", _write(tmp_path, COMMUNES, name="communes.csv"))


@pytest.mark.django_db
def test_import_epci_creates_epcis_and_memberships(communes, tmp_path):
    out, err = _import("epci", _write(tmp_path, EPCIS))

    assert Epci.objects.count() == 5
    grand_paris = Epci.objects.get(code="200054781")
    assert grand_paris.nom == "Métropole du Grand Paris"
    assert grand_paris.nature == "ME"
    assert list(grand_paris.communes.values_list("code", flat=True)) == ["75056"]
    assert Commune.objects.filter(code="01053", epci__code="200071751").exists()
    assert "EPCI : 5 créée(s)" in out
    assert "5 commune(s) changée(s) d’EPCI" in out
    assert err == ""


@pytest.mark.django_db
def test_import_epci_is_idempotent(communes, tmp_path):
    path = _write(tmp_path, EPCIS)
    _import("epci", path)
    Epci.objects.filter(code="200054781").update(nom="MGP")

    out, _err = _import("epci", path, batch_size=2)

    assert Epci.objects.count() == 5
    assert Epci.objects.get(code="200054781").nom == "Métropole du Grand Paris"
    assert "0 créée(s), 1 mise(s) à jour, 4 inchangée(s)" in out
    assert "0 commune(s) changée(s) d’EPCI" in out


@pytest.mark.django_db
def test_import_epci_moves_a_commune_and_handles_no_epci(communes, tmp_path):
    _import("epci", _write(tmp_path, EPCIS))
    moved = EPCIS.replace(
        "01004,Ambérieu-en-Bugey,240100883,CC de la Plaine de l'Ain,CC",
        "01004,Ambérieu-en-Bugey,200069193,CC de la Dombes,CC",
    ).replace(
        "97411,Saint-Denis,249740119,CA CINOR,CA", "97411,Saint-Denis,ZZZZZZZZZ,Sans objet,ZZ"
    )

    out, err = _import("epci", _write(tmp_path, moved, name="moved.csv"))

    assert Commune.objects.filter(code="01004", epci__code="200069193").exists()
    assert Commune.objects.get(code="97411").epci is None
    assert "2 commune(s) changée(s) d’EPCI" in out
    assert err == ""


@pytest.mark.django_db
def test_import_epci_with_a_wrong_header_writes_nothing(communes, tmp_path):
    path = _write(tmp_path, "CODGEO,LIBGEO,EPCI,LIBEPCI\n01001,X,200069193,CC de la Dombes\n")
    with pytest.raises(CommandError, match="Colonnes manquantes dans l’en-tête : NATURE_EPCI"):
        _import("epci", path)
    assert Epci.objects.count() == 0


@pytest.mark.django_db
def test_import_epci_rejects_bad_rows_with_their_line_numbers(communes, tmp_path):
    text = f"""{EPCI_HEADER}
01001,X,200069193,CC de la Dombes,CC,01,84
99999,X,200069193,CC de la Dombes,CC,99,84
01004,X,2401,CC Plaine de l'Ain,CC,01,84
01053,X,200071751,CA Bourg,SIVU,01,84
75056,X,200069193,Autre nom,CC,75,11
01001,X,200069193,CC de la Dombes,CC,01,84
"""
    out, err = _import("epci", _write(tmp_path, text))

    assert list(Epci.objects.values_list("code", flat=True)) == ["200069193"]
    assert "5 ligne(s) rejetée(s) :" in err
    assert "ligne 4 : numéro SIREN d’EPCI « 2401 » invalide" in err
    assert "ligne 5 : nature d’EPCI « SIVU » inconnue" in err
    assert "ligne 6 : l’EPCI « 200069193 » a un autre libellé ou une autre nature plus haut" in err
    assert "ligne 7 : commune « 01001 » en double dans le fichier" in err
    assert "ligne 3 : commune « 99999 » inconnue (importez d’abord les communes)" in err
    assert "1 commune(s) changée(s) d’EPCI" in out
