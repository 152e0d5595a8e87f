import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from exchange.claimreview_export import build_feed, exportable_claims, feed_date_modified


class Command(BaseCommand):
    help = "Write every published, rated claim as a schema.org DataFeed of ClaimReview (JSON-LD)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", metavar="FILE", help="Write to FILE instead of standard output.")

    def handle(self, *args, output=None, **options):
        claims = exportable_claims()
        feed = build_feed(claims.iterator(chunk_size=500), date_modified=feed_date_modified(claims))
        text = json.dumps(feed, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stderr.write(f"Wrote {len(feed['dataFeedElement'])} ClaimReview items to {output}.")
