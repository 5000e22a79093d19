# The gpodder.net-API server of the sync tests: gpodder-fastapi-router's own `attach`, on the
# SQLite file named by GPODDER_DB. Started by earshot-testkit's GpodderServer on 127.0.0.1.
import os

from fastapi import FastAPI
from gpodder_router import GPodderConfig, attach

app = FastAPI()
attach(
    app,
    config=GPodderConfig(
        database_url="sqlite+aiosqlite:///" + os.environ["GPODDER_DB"],
        bcrypt_rounds=int(os.environ.get("GPODDER_BCRYPT_ROUNDS", "12")),
        enable_dashboard=False,
    ),
)
