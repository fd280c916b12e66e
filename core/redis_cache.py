"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

Django's RedisCacheClient builds a new `redis.Redis` object for every cache call; building one
copies its table of reply callbacks (about 170 entries), which costs more than the call itself:
0.20 ms against 0.13 ms for a GET, measured here with redis-py 8.1. A page served from the
shared cache makes one or two calls, a miss six or seven. A `redis.Redis` object is safe to
share between threads (it takes a connection from its pool for each command), and Django keeps a
cache object per thread anyway.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
