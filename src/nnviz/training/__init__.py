"""The training backend: spec -> Keras model -> trained model, curves and an animation of learning.

- :mod:`~nnviz.training.build`: ``to_keras``, a real ``keras.Model`` from a layer graph (built-in layers only);
- :mod:`~nnviz.training.data`: offline data (scikit-learn's sets, CSV, ``.npz``, synthetic), split and standardised;
- :mod:`~nnviz.training.fit`: ``train`` and the :class:`~nnviz.training.fit.TrainingRun` it returns;
- :mod:`~nnviz.training.plot`: the loss-and-metrics plot; :mod:`~nnviz.training.animate`: the GIF of the weights;
- :mod:`~nnviz.training.weights`: weight snapshots attached to a layer graph.

Nothing here imports TensorFlow until a model is built or trained (``nnviz.train`` and ``nnviz.to_keras``
are reached through ``nnviz``'s lazy names). The package is not called ``train``: that would shadow the
``nnviz.train`` function.
"""
