"""The strategy in a gateway teams already run: the LiteLLM proxy configs
hybridctl renders, and the proxy plug-in (``pip install 'hybridctl[litellm]'``)
that routes each request as the routing library does and exports the metrics
the automated analysis reads."""
