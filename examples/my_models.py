"""A custom builder: plain Keras code, called with the trial's hyperparameters as a dict."""

import keras


def build(hp: dict) -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(64,))])
    for _ in range(hp["layers"]):
        model.add(keras.layers.Dense(hp["units"], activation="relu"))
    model.add(keras.layers.Dense(10, activation="softmax"))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=hp["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
