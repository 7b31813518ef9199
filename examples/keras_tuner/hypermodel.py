"""A HyperModel-shaped class, as KerasTuner users write them: ``build(hp)`` makes the model and
``fit(hp, model, *args, **kwargs)`` trains it, so fit arguments (here the batch size) are
tuned too. No ``keras_tuner`` import: kt-run only needs the two methods.
"""

import keras


class DigitsHyperModel:
    def build(self, hp):
        model = keras.Sequential([keras.Input(shape=(64,))])
        for i in range(hp.Int("layers", 1, 2)):
            model.add(keras.layers.Dense(hp.Int(f"units_{i}", 16, 64, step=16), activation="relu"))
        if hp.Boolean("dropout"):
            with hp.conditional_scope("dropout", [True]):
                model.add(keras.layers.Dropout(hp.Float("rate", 0.1, 0.4, step=0.1)))
        model.add(keras.layers.Dense(10, activation="softmax"))
        model.compile(
            optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-3, 1e-2, sampling="log")),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 64]), **kwargs)
