// SQLite (Debian libsqlite3-dev): the durable store of tuning studies.
#include <sqlite3.h>
