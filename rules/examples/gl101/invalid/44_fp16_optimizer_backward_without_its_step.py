# A Megatron-style trainer with apex's FP16_Optimizer, whose `optimizer.backward(loss)`
# scales the loss and fills the fp16 gradients. The step after it was lost.
import torch
from apex.optimizers import FP16_Optimizer


def train(model, loader, args):
    optimizer = FP16_Optimizer(
        torch.optim.Adam(model.parameters(), lr=args.lr), dynamic_loss_scale=True
    )
    for tokens, labels in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(tokens), labels)
        optimizer.backward(loss)  # GL101
        optimizer.clip_master_grads(args.clip_grad)
