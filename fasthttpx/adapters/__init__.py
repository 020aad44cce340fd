"""fasthttpx as the engine under httpx and httpx2, and so under the SDKs built on them.

``fasthttpx.adapters.httpx2`` (``pip install fasthttpx[httpx2]``) and ``fasthttpx.adapters.httpx``
(``pip install fasthttpx[httpx]``) each give four names: ``AsyncTransport`` / ``Transport``, the
library's transport interface with our connection pool underneath (taking the arguments of the
library's ``AsyncHTTPTransport`` / ``HTTPTransport``), and ``AsyncClient`` / ``Client``, the
library's own client classes with those transports as default, so that code which checks
``isinstance(client, httpx2.AsyncClient)`` (the OpenAI and Anthropic SDKs do) takes them::

    import openai
    from fasthttpx.adapters.httpx2 import AsyncClient

    client = openai.AsyncOpenAI(http_client=AsyncClient())

Everything above the transport (cookies, redirects, auth, content decoding) stays the
library's; only the network under it is ours. Importing this package imports neither library.
"""
