"""The four pages' default texts. They state only what the code does; what only the
publisher knows (who they are, the host, a contact address) is left as a visible
placeholder "[à compléter par l'éditeur]" to fill in the admin."""

from django.db import migrations

TODO_FR = "[à compléter par l'éditeur]"
TODO_EN = "[to be completed by the publisher]"

PAGES = [
    {
        "slug": "mentions-legales",
        "title_fr": "Mentions légales",
        "title_en": "Legal notice",
        "body_fr": f"""Éditeur du site : {TODO_FR} (nom, forme juridique, adresse, numéro d'immatriculation).

Directeur ou directrice de la publication : {TODO_FR}

Hébergeur : {TODO_FR} (nom, adresse, téléphone).

Contact : voir la page Contact.

Données ouvertes : les exports de l'annuaire (/donnees/) sont publiés sous la Licence Ouverte / Etalab 2.0.

Géographie officielle : Code officiel géographique de l'INSEE (via Etalab) et IGN ADMIN EXPRESS, sous Licence Ouverte / Etalab 2.0.

Fonds de carte : données OpenStreetMap sous licence Open Database License, sauf mention contraire sur la carte.

Les informations sur les pôles sont citées avec leurs sources sur la fiche de chaque pôle. Une erreur ? Chaque fiche propose un formulaire « Signaler une erreur / compléter cette fiche ».""",
        "body_en": f"""Publisher of the site: {TODO_EN} (name, legal form, address, registration number).

Director of publication: {TODO_EN}

Host: {TODO_EN} (name, address, phone).

Contact: see the Contact page.

Open data: the directory's exports (/donnees/) are published under the Licence Ouverte / Etalab 2.0.

Official geography: INSEE Code officiel géographique (via Etalab) and IGN ADMIN EXPRESS, under the Licence Ouverte / Etalab 2.0.

Map tiles: OpenStreetMap data under the Open Database License, unless stated otherwise on the map.

Facts about poles are cited with their sources on each pole's page. Found a mistake? Every pole's page has a form to report an error or complete the record.""",
    },
    {
        "slug": "confidentialite",
        "title_fr": "Données personnelles et confidentialité",
        "title_en": "Personal data and privacy",
        "body_fr": f"""Responsable du traitement : {TODO_FR}

Ce que l'annuaire publie : des informations sur des organisations (pôles, structures membres). Les personnes physiques coopératrices ne sont nommées qu'avec leur accord ; leurs coordonnées ne sont jamais publiées.

Suggestions du public : quand vous proposez une correction ou un nouveau pôle, nous conservons votre suggestion, votre commentaire, la source que vous indiquez, la langue du formulaire et votre adresse électronique. L'adresse n'est jamais publiée ni transmise : elle sert uniquement à accuser réception et à vous informer de la décision des éditeurs, qui peuvent aussi vous écrire à propos de cette suggestion. Base légale : votre consentement, donné en cochant la case du formulaire.

Durée de conservation : votre adresse électronique est effacée 12 mois après la décision sur votre suggestion (commande de purge exécutée par l'exploitant). La suggestion elle-même est conservée sans votre adresse, comme trace des modifications de l'annuaire.

Protection contre les abus : pour limiter les envois en masse, le nombre de suggestions est compté pendant une heure par connexion (adresse IP) et par adresse électronique. Ces compteurs ne contiennent qu'une empreinte (hachage) de l'adresse, pas l'adresse elle-même, et disparaissent au bout d'une heure ; l'adresse IP n'est pas enregistrée avec la suggestion.

Cookies : le site n'utilise aucun cookie de mesure d'audience ni de publicité. Il dépose un cookie de langue si vous changez de langue, un cookie de sécurité (protection CSRF) quand vous affichez un formulaire, et un cookie de session pour le personnel connecté à l'administration.

Comptes du personnel : pour les personnes qui éditent l'annuaire, le site conserve l'identifiant, l'adresse électronique, l'historique des modifications, et les tentatives de connexion (adresse IP, navigateur) pour bloquer les tentatives répétées. Durée de conservation de ces journaux : {TODO_FR}

Journaux techniques du serveur et de l'hébergeur : {TODO_FR}

Vos droits : vous pouvez demander l'accès à vos données, leur rectification ou leur effacement, et retirer votre consentement à tout moment, en écrivant à : {TODO_FR}. Pour une suggestion, indiquez son numéro. Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL (https://www.cnil.fr).""",
        "body_en": f"""Data controller: {TODO_EN}

What the directory publishes: facts about organisations (poles, member structures). Natural persons among cooperators are named only with their consent; their contact details are never published.

Suggestions from the public: when you propose a correction or a new pole, we keep your suggestion, your comment, the source you give, the language of the form and your e-mail address. The address is never published or passed on: it is used only to acknowledge your suggestion and tell you what the editors decided, who may also write to you about this suggestion. Legal basis: your consent, given by ticking the form's box.

Retention: your e-mail address is erased 12 months after the decision on your suggestion (a purge command run by the operator). The suggestion itself is kept without your address, as a record of the directory's changes.

Protection against abuse: to limit mass submissions, suggestions are counted for one hour per connection (IP address) and per e-mail address. These counters hold only a fingerprint (hash) of the address, not the address itself, and disappear after one hour; the IP address is not recorded with the suggestion.

Cookies: the site uses no audience-measurement or advertising cookie. It sets a language cookie if you change the language, a security cookie (CSRF protection) when you display a form, and a session cookie for staff signed in to the administration.

Staff accounts: for the people who edit the directory, the site keeps their username, e-mail address, the history of their changes, and login attempts (IP address, browser) to block repeated attempts. Retention of these logs: {TODO_EN}

Technical logs of the server and the host: {TODO_EN}

Your rights: you may ask for access to your data, its correction or erasure, and withdraw your consent at any time, by writing to: {TODO_EN}. For a suggestion, give its number. If you consider your rights are not respected, you may lodge a complaint with the CNIL (https://www.cnil.fr).""",
    },
    {
        "slug": "accessibilite",
        "title_fr": "Accessibilité",
        "title_en": "Accessibility",
        "body_fr": f"""{TODO_FR} (nom de l'éditeur) s'engage à rendre ce site accessible conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005. Le référentiel visé est le RGAA 4.1.

État de conformité : ce site n'a pas encore fait l'objet d'un audit de conformité au RGAA 4.1. Le taux de conformité n'est donc pas mesuré, et le site ne peut pas encore se déclarer conforme ou partiellement conforme. Un audit manuel est prévu : {TODO_FR} (date).

Contrôles réalisés à ce jour : des analyses automatiques avec l'outil axe-core sont exécutées dans un navigateur par les tests du site, sur la page d'accueil, l'annuaire, une fiche de pôle et les formulaires de suggestion ; elles refusent toute anomalie de gravité « sérieuse » ou « critique ». D'autres tests vérifient que l'annuaire s'utilise au clavier seul. Ces contrôles automatiques ne détectent qu'une partie des problèmes d'accessibilité et ne remplacent pas un audit.

Choix faits pour l'accessibilité : les formulaires de suggestion fonctionnent sans JavaScript ; leurs champs ont des étiquettes, et les erreurs sont résumées en haut du formulaire avec un lien vers chaque champ concerné ; les pôles montrés sur les cartes sont aussi listés en texte.

Retour d'information et contact : si vous n'arrivez pas à accéder à un contenu ou à un service, écrivez à {TODO_FR} pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme.

Voies de recours : si vous constatez un défaut d'accessibilité qui vous empêche d'accéder à un contenu, que vous nous l'avez signalé et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez écrire au Défenseur des droits (https://formulaire.defenseurdesdroits.fr) ou à son délégué dans votre région, ou par courrier gratuit : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.""",
        "body_en": f"""{TODO_EN} (name of the publisher) is committed to making this site accessible in accordance with article 47 of French law no. 2005-102 of 11 February 2005. The standard aimed at is the RGAA 4.1.

Compliance status: this site has not yet been audited for compliance with the RGAA 4.1. Its compliance rate is therefore not measured, and the site cannot yet declare itself compliant or partially compliant. A manual audit is planned: {TODO_EN} (date).

Checks made so far: automated scans with the axe-core tool run in a browser as part of the site's tests, on the home page, the directory, a pole's page and the suggestion forms; they refuse any issue of "serious" or "critical" impact. Other tests check that the directory can be used with the keyboard alone. These automated checks find only part of the accessibility problems and do not replace an audit.

Choices made for accessibility: the suggestion forms work without JavaScript; their fields have labels, and errors are summarised at the top of the form with a link to each field concerned; the poles shown on maps are also listed as text.

Feedback and contact: if you cannot reach a content or a service, write to {TODO_EN} to be directed to an accessible alternative or to get the content in another form.

Remedies: if you notice an accessibility defect that prevents you from reaching a content, reported it to us and did not get a satisfactory answer, you may write to the Défenseur des droits (https://formulaire.defenseurdesdroits.fr) or to its delegate in your région, or by free post: Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.""",
    },
    {
        "slug": "contact",
        "title_fr": "Contact",
        "title_en": "Contact",
        "body_fr": f"""Pour écrire aux personnes qui gèrent l'annuaire : {TODO_FR} (adresse électronique ou postale).

Pour corriger ou compléter la fiche d'un pôle, utilisez le lien « Signaler une erreur / compléter cette fiche » sur sa page. Pour proposer un pôle absent de l'annuaire, utilisez « Référencer un pôle » (/contribuer/). Les éditeurs examinent chaque suggestion et vous répondent par courriel.""",
        "body_en": f"""To write to the people who run the directory: {TODO_EN} (e-mail or postal address).

To correct or complete a pole's record, use the link "Report an error / complete this record" on its page. To propose a pole missing from the directory, use "Add a pole" (/contribuer/). The editors review every suggestion and answer you by e-mail.""",
    },
]


def create_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for values in PAGES:
        # Never overwrite a page staff have edited.
        Page.objects.get_or_create(slug=values["slug"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
