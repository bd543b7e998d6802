"""TensorFlow's (and Keras') names, as :class:`~gradlint.analyzer.vocabulary.Vocabulary`."""

from __future__ import annotations

import re

from gradlint.analyzer.vocabulary import Vocabulary

TENSORFLOW = Vocabulary(
    root_module="tensorflow",
    short_name="tf",
    tape_class="GradientTape",
    gradient_methods=("gradient", "jacobian", "batch_jacobian"),
    trainable_attributes=frozenset({"trainable_variables", "trainable_weights"}),
    owner_attributes=frozenset(
        {"trainable_variables", "trainable_weights", "variables", "weights"}
    ),
    variable_class="Variable",
    weight_factory="self.add_weight",
    update_method=re.compile(
        r"^(_?apply\w*|minimize|assign(_add|_sub)?|scatter_\w+|batch_scatter_\w+)$"
    ),
    commented_update_methods=("apply_gradients", "apply", "minimize", "assign_sub"),
    pair_update_method="apply_gradients",
    split_update_method="apply",
    optimizer_name=re.compile(
        r"(^|_)(optimi[sz]ers?|opt|optim|opts)(_|$|\d)|optimi[sz]er$", re.IGNORECASE
    ),
    optimizer_classes=frozenset(
        {
            "SGD",
            "Adam",
            "AdamW",
            "Adamax",
            "Adagrad",
            "Adadelta",
            "RMSprop",
            "Nadam",
            "Ftrl",
            "Lion",
            "Adafactor",
            "LossScaleOptimizer",
            "GradientDescentOptimizer",
            "AdamOptimizer",
            "MomentumOptimizer",
            "RMSPropOptimizer",
            "AdagradOptimizer",
            "Lamb",
            "LAMB",
            "Yogi",
        }
    ),
    optimizer_packages=(".optimizers.",),
    legacy_optimizer_package=".train.",
    optimizer_state_reads=frozenset(
        {
            "iterations",
            "learning_rate",
            "lr",
            "get_config",
            "variables",
            "_iterations",
            "loss_scale",
            "dynamic_scale",
        }
    ),
    observers=(
        "tensorflow.print",
        "tensorflow.norm",
        "tensorflow.linalg.norm",
        "tensorflow.linalg.global_norm",
        "tensorflow.shape",
        "tensorflow.rank",
        "tensorflow.size",
        "tensorflow.is_tensor",
    ),
    observer_packages=(
        "tensorflow.summary.",
        "tensorflow.debugging.assert",
        "tensorflow.io.",
        "tensorflow.get_logger",
    ),
    effectful_functions=frozenset(
        {
            "cond",
            "case",
            "switch_case",
            "while_loop",
            "py_function",
            "numpy_function",
            "py_func",
            "map_fn",
            "scan",
            "foldl",
            "foldr",
            "group",
            "control_dependencies",
            "Variable",
            "function",
            "tuple",
            "vectorized_map",
            "custom_gradient",
            "recompute_grad",
        }
    ),
    effectful_packages=frozenset(
        {
            "distribute",
            "keras",
            "raw_ops",
            "saved_model",
            "train",
            "data",
            "experimental",
            "queue",
            "lookup",
            "tpu",
            "xla",
        }
    ),
    opaque_functions=frozenset(
        {
            "cond",
            "case",
            "switch_case",
            "while_loop",
            "map_fn",
            "vectorized_map",
            "scan",
            "foldl",
            "foldr",
            "py_function",
            "numpy_function",
            "py_func",
            "function",
            "custom_gradient",
            "recompute_grad",
            "Variable",
            "Module",
        }
    ),
    keras_pure_packages=frozenset({"losses", "backend", "activations", "ops", "metrics", "math"}),
    structural_functions=frozenset(
        {"nest", "convert_to_tensor", "cast", "identity", "saturate_cast", "ensure_shape"}
    ),
    stop_gradient="stop_gradient",
    to_numpy_method="numpy",
    predict_methods=frozenset({"predict", "predict_on_batch"}),
    forward_methods=frozenset({"call", "__call__", "predict", "predict_on_batch"}),
    loss_name=re.compile(
        r"^(loss|loss_?fn|loss_?func(tion)?|loss_?obj(ect)?|criterion|\w+_loss_?(fn|func|object|obj)"
        r"|\w+_criterion|compiled_loss)$"
    ),
    loss_class=re.compile(
        r"(Loss|Crossentropy|CrossEntropy|Error|Divergence|Hinge|Poisson|Similarity|LogCosh)$"
    ),
    loss_package=".losses.",
    all_variable_attributes=frozenset({"variables", "weights"}),
    watched_variables_method="watched_variables",
    weight_keeping_functions=frozenset({"tensorflow.nest.flatten"}),
    weight_keeping_classes=frozenset({"ObjectIdentitySet"}),
    buffer_methods=frozenset({"assign", "assign_add"}),
    pair_gradient_methods=frozenset({"compute_gradients"}),
    graph_gradient_methods=frozenset({"get_gradients"}),
    implicit_gradient_factories=frozenset({"implicit_gradients", "implicit_value_and_gradients"}),
    trainable_functions=frozenset({"trainable_variables"}),
    collection_function="get_collection",
    trainable_collection="TRAINABLE_VARIABLES",
)
